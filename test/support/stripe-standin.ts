import http from 'node:http';
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

// A tiny stand-in for the Stripe API on loopback, for tests without internet: the real `stripe`
// SDK is pointed at it (STRIPE_API_BASE). It implements only what Masthead calls and records every
// request so tests can assert what the SDK sent. Webhook events are built here and signed offline.

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The form-encoded body decoded into nested objects/arrays (`line_items[0][price]` → `{line_items: [{price}]}`). */
  body: Record<string, unknown>;
}

type Session = Record<string, unknown> & { id: string; metadata: Record<string, string> };

export interface StripeStandin {
  url: string;
  port: number;
  requests: RecordedRequest[];
  sessions: Map<string, Session>;
  /** The next API request answers with this error (once). */
  failNext(status: number, message?: string): void;
  /** Marks a session paid and complete; returns the `checkout.session.completed` event Stripe would send. */
  completeSession(id: string, opts?: { paymentStatus?: 'paid' | 'unpaid' | 'no_payment_required'; eventId?: string }): Stripe.Event;
  /** Any event around a data object, e.g. `checkout.session.async_payment_succeeded`. */
  event(type: string, object: Record<string, unknown>, eventId?: string): Stripe.Event;
  /** The JSON payload and `Stripe-Signature` header of a delivery, signed with `secret`. */
  sign(event: unknown, secret: string, timestamp?: number): { payload: string; header: string };
  close(): Promise<void>;
}

/** Decodes `a[b][0][c]=v` form encoding (what the SDK sends) into nested values. */
export function decodeForm(raw: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    const parts = key.split('[').map((p, i) => (i === 0 ? p : p.replace(/\]$/, '')));
    let node: Record<string, unknown> | unknown[] = root;
    parts.forEach((part, i) => {
      const last = i === parts.length - 1;
      const k: string | number = Array.isArray(node) ? Number(part) : part;
      const container = node as Record<string | number, unknown>;
      if (last) {
        container[k] = value;
      } else {
        if (container[k] === undefined) container[k] = /^\d+$/.test(parts[i + 1]) ? [] : {};
        node = container[k] as Record<string, unknown> | unknown[];
      }
    });
  }
  return root;
}

const rid = (prefix: string) => `${prefix}_${crypto.randomBytes(12).toString('hex')}`;

export async function startStripeStandin(): Promise<StripeStandin> {
  const requests: RecordedRequest[] = [];
  const sessions = new Map<string, Session>();
  let failure: { status: number; message: string } | null = null;
  let baseUrl = '';

  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    const json = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json), 'request-id': rid('req') });
    res.end(json);
  };
  const error = (res: http.ServerResponse, status: number, message: string) =>
    send(res, status, { error: { type: status >= 500 ? 'api_error' : 'invalid_request_error', message } });

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', baseUrl);
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = req.method === 'GET' ? decodeForm(url.search.slice(1)) : decodeForm(raw);
      requests.push({ method: req.method ?? 'GET', path: url.pathname, headers: req.headers, body });

      if (!/^Bearer sk_(test|live)_/.test(req.headers.authorization ?? '')) return error(res, 401, 'Invalid API Key provided');
      if (failure) {
        const f = failure;
        failure = null;
        return error(res, f.status, f.message);
      }
      if (req.method === 'POST' && url.pathname === '/v1/checkout/sessions') {
        const id = rid('cs_test');
        const lineItems = body.line_items as { price?: string; quantity?: string }[] | undefined;
        if (!lineItems?.[0]?.price) return error(res, 400, 'Missing required param: line_items[0][price].');
        if (!body.success_url) return error(res, 400, 'Missing required param: success_url.');
        const session: Session = {
          id,
          object: 'checkout.session',
          url: `${baseUrl}/pay/${id}`,
          mode: body.mode ?? 'payment',
          status: 'open',
          payment_status: 'unpaid',
          client_reference_id: body.client_reference_id ?? null,
          customer_email: body.customer_email ?? null,
          customer_details: null,
          metadata: (body.metadata as Record<string, string>) ?? {},
          success_url: String(body.success_url).replace('{CHECKOUT_SESSION_ID}', id),
          cancel_url: body.cancel_url ?? null,
          amount_total: 4800,
          currency: 'usd',
          livemode: false,
          created: Math.floor(Date.now() / 1000),
          payment_intent: null,
          subscription: null,
        };
        sessions.set(id, session);
        return send(res, 200, session);
      }
      const m = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'GET' && m) {
        const s = sessions.get(decodeURIComponent(m[1]));
        return s ? send(res, 200, s) : error(res, 404, `No such checkout.session: '${m[1]}'`);
      }
      return error(res, 404, `Unrecognized request URL (${req.method}: ${url.pathname}).`);
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;

  const event = (type: string, object: Record<string, unknown>, eventId?: string): Stripe.Event => ({
    id: eventId ?? rid('evt'),
    object: 'event',
    api_version: Stripe.API_VERSION,
    created: Math.floor(Date.now() / 1000),
    type,
    data: { object: structuredClone(object) },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
  }) as unknown as Stripe.Event;

  return {
    url: baseUrl,
    port,
    requests,
    sessions,
    failNext(status, message = 'Something went wrong') {
      failure = { status, message };
    },
    completeSession(id, opts = {}) {
      const s = sessions.get(id);
      if (!s) throw new Error(`stand-in: no session ${id}`);
      Object.assign(s, {
        status: 'complete',
        payment_status: opts.paymentStatus ?? 'paid',
        payment_intent: s.payment_intent ?? rid('pi'),
        customer_details: { email: s.customer_email, name: null },
      });
      return event('checkout.session.completed', s, opts.eventId);
    },
    event,
    sign(ev, secret, timestamp) {
      const payload = JSON.stringify(ev);
      return { payload, header: Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp }) };
    },
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((err) => (err ? reject(err) : resolve()));
    }),
  };
}
