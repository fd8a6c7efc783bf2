/** What the case page reads of a case's findings and request. */
export interface Finding {
  rule: string;
  outcome: 'clear' | 'concern' | 'ground' | 'missing';
  article: string;
  reason: string;
  evidence: string[];
}

export interface Request {
  facts?: string;
  purpose?: string;
  offences?: { code: string; domestic?: string; maxPenaltyYears?: number }[];
  subjects?: { name?: string; role?: string; description?: string }[];
  data?: { category: string; identifiers?: string[]; provider?: string; from?: string; to?: string }[];
  authority?: { name?: string };
  dataProtection?: { useLimitation?: string; retention?: string; onwardTransfer?: string };
}

/** The quoted words a finding cites in a field: `facts: "words"` → words. */
