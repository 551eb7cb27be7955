// OPTIONS on the browser routes: the CORS preflight answer for the stage's allowed origins (nothing read or written).
import { originMatcher, preflightAnswer } from '../shared/cors';
import { readAllowedOrigins } from '../shared/env';
import type { HttpEvent, HttpResult } from '../shared/http';

const allowed = originMatcher(readAllowedOrigins());

export async function handler(event: HttpEvent): Promise<HttpResult> {
  return preflightAnswer(allowed, event);
}
