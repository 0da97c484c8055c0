import type { Request } from 'express';
import { credentialOf, type Principal } from '../api/principal.js';
import { AuthenticationError } from '../platform/errors.js';
import type { DeliveryAudit } from './writer.js';
import type { SignatureCheck } from './signature.js';

/** The exact bytes received: signatures are computed over them, never over re-serialised JSON. */
export function rawBody(req: Request): Buffer {
  return (req as Request & { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0);
}

export function signaturePrincipal(source: string): Principal {
  return {
    tokenId: `signature:${source}`,
    tokenName: `${source}-signature`,
    role: 'ingest',
    actor: `webhook:${source}`,
  };
}

/**
 * A webhook's authentication: a signature header, when present, must verify (whatever else is sent);
 * without one, a bearer token is required and the route's permission decides whether its role may ingest.
 */
export function signatureOrBearer(o: {
  source: string;
  header: string;
  secret: string | undefined;
  secretName: string;
  verify: (req: Request, signature: string, secret: string) => SignatureCheck;
}) {
  return async (req: Request, bearer: Principal | undefined): Promise<Principal> => {
    const signature = req.header(o.header);
    if (signature === undefined) {
      if (bearer) return bearer;
      throw new AuthenticationError(
        o.secret
          ? `${o.header} or a bearer token is required`
          : `a bearer token is required (${o.secretName} is not set)`,
      );
    }
    if (!o.secret) throw new AuthenticationError(`${o.header} was sent but ${o.secretName} is not configured here`);
    const check = o.verify(req, signature, o.secret);
    if (!check.ok) throw new AuthenticationError(`${o.source} signature refused: ${check.reason}`);
    return signaturePrincipal(o.source);
  };
}

/** The success audit entry of a delivery; the writer adds what became of its signals. */
export function deliveryAudit(
  req: Request,
  principal: Principal,
  action: string,
  details: Record<string, unknown> = {},
): DeliveryAudit {
  const locals = (req.res?.locals ?? {}) as { requestId?: string };
  return {
    actor: principal.actor,
    actor_role: principal.role,
    action,
    target: null,
    result: 'success',
    status: 202,
    request_id: locals.requestId ?? null,
    remote_addr: req.ip ?? null,
    details: { credential: credentialOf(principal), ...details },
  };
}
