/**
 * Mutating values and texts: applies the generated mutations and text edits (values.ts) to valid inputs, and
 * writes values as JSON text, even what JSON.stringify cannot write.
 */

import type { Mutation, TextEdit } from './request.ts';
import { own, Raw } from './values.ts';

export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let t = text;
  for (const e of edits) {
    const at = 'at' in e ? e.at % (t.length + 1) : 0;
    if (e.kind === 'truncate') t = t.slice(0, at);
    else if (e.kind === 'insert') t = t.slice(0, at) + e.text + t.slice(at);
    else if (e.kind === 'delete') t = t.slice(0, at) + t.slice(at + e.length);
    else if (e.kind === 'append') t += e.text;
    else if (e.kind === 'prefix') t = e.text + t;
    else {
      const parts = t.split('.');
      const i = e.i % parts.length;
      const j = e.j % parts.length;
      [parts[i], parts[j]] = [parts[j]!, parts[i]!];
      t = parts.join('.');
    }
  }
  return t;
}

/** JSON text of a value; Raw parts are written as they are, own `__proto__` keys are kept. */
export function toJson(v: unknown): string {
  if (v instanceof Raw) return v.text;
  if (Array.isArray(v)) return `[${v.map(toJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${toJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

export function clone(v: unknown): unknown {
  if (v instanceof Raw || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(clone);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) Object.assign(out, own(k, clone((v as Record<string, unknown>)[k])));
  return out;
}

interface Slot {
  get(): unknown;
  set(v: unknown): void;
  remove(): void;
}

/** The places of a value where a mutation can land (at most 400, so that huge arrays stay cheap). */
function slotsOf(holder: { value: unknown }): Slot[] {
  const out: Slot[] = [
    {
      get: () => holder.value,
      set: (v) => {
        holder.value = v;
      },
      remove: () => {
        holder.value = undefined;
      },
    },
  ];
  const visit = (v: unknown) => {
    if (out.length > 400 || v === null || typeof v !== 'object' || v instanceof Raw) return;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length && out.length <= 400; i++) {
        out.push({ get: () => v[i], set: (x) => (v[i] = x), remove: () => v.splice(i, 1) });
        visit(v[i]);
      }
      return;
    }
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      out.push({
        get: () => o[k],
        set: (x) => Object.assign(o, own(k, x)),
        remove: () => delete o[k],
      });
      visit(o[k]);
    }
  };
  visit(holder.value);
  return out;
}

export function applyMutations(value: unknown, mutations: readonly Mutation[]): unknown {
  const holder = { value: clone(value) };
  for (const m of mutations) {
    const all = slotsOf(holder);
    // Free text (facts, notes, names) is where an odd character passes validation and reaches storage.
    const texts = all.filter((s) => typeof s.get() === 'string');
    const prose = texts.filter((s) => /\s/.test(s.get() as string) || (s.get() as string).length > 20);
    const strings = prose.length ? prose : texts;
    if (m.kind === 'taint') {
      const slot = strings[m.at % Math.max(1, strings.length)];
      const cur = slot?.get() as string | undefined;
      if (slot && cur !== undefined) slot.set(m.prefix ? m.text + cur : cur + m.text);
      continue;
    }
    const slot = all[m.at % all.length]!;
    const cur = slot.get();
    if (m.kind === 'replace') slot.set(clone(m.value));
    else if (m.kind === 'delete') slot.remove();
    else if (m.kind === 'wrap') slot.set([cur]);
    else if (m.kind === 'stringify') slot.set(toJson(cur));
    else if (cur !== null && typeof cur === 'object' && !Array.isArray(cur) && !(cur instanceof Raw))
      Object.assign(cur, own(m.key, clone(m.value)));
    else slot.set(own(m.key, clone(m.value)));
  }
  return holder.value;
}
