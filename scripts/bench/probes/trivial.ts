// Cold-start baseline: a handler that returns a constant, bundled and run exactly like ours (what every Lambda pays).
export const handler = async (): Promise<{ statusCode: number; body: string }> => ({
  statusCode: 200,
  body: 'ok',
});
