// TEMPORARY placeholder created by the infra work so the stack synthesizes; replace with the real handler.
export const handler = async () => ({ statusCode: 200 });
