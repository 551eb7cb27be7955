// What a sealed completion is bound to: the provider, user, account and source of the flow.

/** Associated data of the completion's AES-GCM seal: a record moved to another user or account fails to open. */
export function completionBinding(r: {
  provider: string;
  userId: string;
  accountId: string;
  sourceId?: string;
}): string {
  return [r.provider, r.userId, r.accountId, r.sourceId ?? ''].join('|');
}
