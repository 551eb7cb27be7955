// Helpers shared by the provider schemes: constant-time comparison, body parsing after verification, delivery ids.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Delivery } from './types';

/** Constant-time equality of two byte strings; different lengths are unequal (length is not secret). */
export function equalBytes(expected: Buffer, given: Buffer): boolean {
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The body as a JSON object, or undefined. Only ever called on a verified body. */
export function jsonObject(raw: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(raw.toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const SAFE_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * A delivery id safe to use in a key: the provider's id when it has a plain shape, a SHA-256 of it
 * otherwise, or of the body when the provider sends none (the same body then counts as the same delivery).
 */
export function deliveryId(candidate: unknown, raw: Buffer): string {
  if (typeof candidate === 'string' && SAFE_ID.test(candidate)) return candidate;
  const basis = typeof candidate === 'string' && candidate.length > 0 ? Buffer.from(candidate, 'utf8') : raw;
  return `sha256-${createHash('sha256').update(basis).digest('hex')}`;
}

/** A string field, or undefined. */
export function text(value: unknown, max = 256): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= max ? value : undefined;
}

/** An identifier given as string or number (Shopify ids are numbers), as a string. */
export function identifier(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return text(value, 128);
}

/** Epoch ms of an ISO time, or `fallback`. */
export function timeOr(value: unknown, fallback: number): number {
  const at = typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isFinite(at) ? at : fallback;
}

/** A JSON value with object keys sorted and lists sorted, so equal content has one text (order means nothing here). */
function canonical(value: unknown): unknown {
  if (Array.isArray(value))
    return value.map(canonical).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, canonical(v)]),
    );
  return value;
}

/**
 * The id a delivery is claimed under. A `notify` (a request forwarded to the services that hold data) is
 * claimed by its topic and content, so the same request sent again under another delivery id publishes
 * nothing new; the other actions by the provider's delivery id, their effect being idempotent by the
 * connection's own state.
 */
export function claimId(delivery: Delivery): string {
  if (delivery.action.kind !== 'notify') return delivery.id;
  const content = JSON.stringify(canonical({ topic: delivery.topic, detail: delivery.action.detail }));
  return `content-sha256-${createHash('sha256').update(content).digest('hex')}`;
}
