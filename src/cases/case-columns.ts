import type { InterchangeRequest } from '../domain/request.ts';
import { channelOf } from '../domain/request.ts';
import type { cases } from '../store/schema.ts';
import { searchTextOf } from './search-text.ts';

/** The columns of a case row that follow from its request: set on creation, on draft edits and on amendments. */
export function caseColumnsOf(request: InterchangeRequest) {
  return {
    requesting: request.from,
    requested: request.to,
    type: request.type,
    instrument: request.instrument,
    channel: channelOf(request),
    urgency: request.urgency,
    request,
    searchText: searchTextOf(request),
  } satisfies Partial<typeof cases.$inferInsert>;
}
