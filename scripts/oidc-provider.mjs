// A local OpenID Connect provider for the demo and the browser tests: the npm `oidc-provider` package (a
// certified OpenID provider) with a few fixed accounts, a one-click login page, and fault injection for tests.
//
//   node scripts/oidc-provider.mjs            # issuer http://127.0.0.1:3101
//   OIDC_PORT=4000 CONSOLE_URL=http://127.0.0.1:3000 node scripts/oidc-provider.mjs
//
// Accounts (password-less: pick one on the login page):
//   alice   Alice Admin     groups np-admins                 -> platform admin
//   dave    Dave Developer  groups demo-devs                 -> developer in tenant demo
//   erin    Erin Admin      groups demo-admins               -> admin of tenant demo
//   audrey  Audrey Auditor  groups demo-auditors             -> auditor in tenant demo
//   paul    Paul Platform   groups np-auditors               -> platform auditor
//   nina    Nina Nobody     no groups                        -> signed in, no tenant
// (the mapping lives in the console's NP_OIDC_ROLE_MAPPING; scripts/dev sets it).
//
// Fault injection (tests only): POST /__test/fault with {"mode": "..."}:
//   none | wrong-aud | expired | unknown-kid | wrong-nonce | wrong-iss | rotate | down
// (`rotate`: tokens are signed with a second key that the key set publishes from then on.)
// The ID token of the next token responses is re-signed with the fault applied; `down` answers 503 to
// everything except /__test/*.

import http from 'node:http';
import { randomUUID } from 'node:crypto';
import Provider from 'oidc-provider';
import { exportJWK, generateKeyPair, SignJWT, decodeJwt, importJWK } from 'jose';

const port = Number(process.env.OIDC_PORT ?? 3101);
const issuer = process.env.OIDC_ISSUER ?? `http://127.0.0.1:${port}`;
const consoles = (process.env.CONSOLE_URL ?? 'http://127.0.0.1:3000,http://127.0.0.1:3100')
  .split(',')
  .map((u) => u.trim().replace(/\/$/, ''))
  .filter(Boolean);

const ACCOUNTS = {
  alice: { name: 'Alice Admin', email: 'alice@example.com', groups: ['np-admins'] },
  dave: { name: 'Dave Developer', email: 'dave@example.com', groups: ['demo-devs'] },
  erin: { name: 'Erin Admin', email: 'erin@example.com', groups: ['demo-admins'] },
  audrey: { name: 'Audrey Auditor', email: 'audrey@example.com', groups: ['demo-auditors'] },
  paul: { name: 'Paul Platform', email: 'paul@example.com', groups: ['np-auditors'] },
  nina: { name: 'Nina Nobody', email: 'nina@example.com', groups: [] },
};

async function signingKey(kid) {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid, alg: 'RS256', use: 'sig' };
}

const key = await signingKey('np-local-1');
// A key the provider never publishes: tokens signed with it have an unknown key id.
const rogue = await signingKey('rogue-key');
// A key the provider publishes only once `rotate` is on: a key rotation between sign-in start and callback.
const rotated = await signingKey('np-local-2');
const publicPart = ({ d, p, q, dp, dq, qi, ...pub }) => pub;

let fault = 'none';

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'np-console',
      client_secret: 'np-local-secret',
      redirect_uris: consoles.map((c) => `${c}/auth/callback`),
      post_logout_redirect_uris: consoles.map((c) => `${c}/`),
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [key] },
  pkce: { required: () => true },
  scopes: ['openid', 'profile', 'email', 'groups'],
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
    email: ['email', 'email_verified'],
    groups: ['groups'],
  },
  // Put the scopes' claims in the ID token (the console reads groups from it).
  conformIdTokenClaims: false,
  cookies: { keys: ['np-local-cookie-key'] },
  features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
  ttl: { IdToken: 3600, AccessToken: 3600, AuthorizationCode: 60, Session: 3600, Interaction: 600, Grant: 3600 },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, sub) {
    const account = ACCOUNTS[sub];
    if (!account) return undefined;
    return {
      accountId: sub,
      async claims() {
        return {
          sub,
          name: account.name,
          preferred_username: sub,
          email: account.email,
          email_verified: true,
          groups: account.groups,
        };
      },
    };
  },
  // First-party client: no consent screen.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid profile email groups');
    await grant.save();
    return grant;
  },
  renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = `<!doctype html><title>Sign-in error</title><h1>Sign-in error</h1><pre>${escapeHtml(JSON.stringify(out, null, 2))}</pre>`;
  },
});
provider.proxy = false;

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// Re-signs the ID token of a token response with the current fault applied.
provider.use(async (ctx, next) => {
  if (fault === 'down' && !ctx.path.startsWith('/__test/')) {
    ctx.status = 503;
    ctx.body = 'provider down (test fault)';
    return;
  }
  await next();
  if (ctx.path === '/jwks' && fault === 'rotate' && ctx.body?.keys) {
    ctx.body = { keys: [...ctx.body.keys, publicPart(rotated)] };
    return;
  }
  if (ctx.path !== '/token' || ctx.status !== 200 || fault === 'none' || !ctx.body?.id_token) return;
  const claims = decodeJwt(ctx.body.id_token);
  const now = Math.floor(Date.now() / 1000);
  let signWith = key;
  switch (fault) {
    case 'wrong-aud': claims.aud = 'some-other-client'; break;
    case 'expired': claims.iat = now - 7200; claims.exp = now - 3600; break;
    case 'wrong-nonce': claims.nonce = 'not-the-nonce-you-sent'; break;
    case 'wrong-iss': claims.iss = 'https://evil.example'; break;
    case 'unknown-kid': signWith = rogue; break;
    case 'rotate': signWith = rotated; break;
    default: return;
  }
  const privateKey = await importJWK(signWith, 'RS256');
  ctx.body = {
    ...ctx.body,
    id_token: await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: signWith.kid, typ: 'JWT' }).sign(privateKey),
  };
});

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) break;
  }
  return new URLSearchParams(body);
}

const callback = provider.callback();

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, issuer);
    if (url.pathname === '/__test/fault' && req.method === 'POST') {
      let body = '';
      for await (const chunk of req) body += chunk;
      const mode = JSON.parse(body || '{}').mode ?? 'none';
      fault = mode;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ mode }));
      return;
    }
    if (url.pathname === '/__test/health') {
      res.writeHead(200).end('ok');
      return;
    }
    if (fault === 'down') {
      res.writeHead(503).end('provider down (test fault)');
      return;
    }
    const match = url.pathname.match(/^\/interaction\/([^/]+)(\/login)?$/);
    if (match) {
      const details = await provider.interactionDetails(req, res);
      if (match[2] && req.method === 'POST') {
        const form = await readForm(req);
        const accountId = form.get('account');
        if (!ACCOUNTS[accountId]) {
          res.writeHead(400).end('unknown account');
          return;
        }
        await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
        return;
      }
      if (details.prompt.name === 'consent') {
        const grant = new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
        grant.addOIDCScope('openid profile email groups');
        const grantId = await grant.save();
        await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
        return;
      }
      const buttons = Object.entries(ACCOUNTS)
        .map(([id, a]) => `<button name="account" value="${id}" data-account="${id}">${escapeHtml(a.name)} <small>(${escapeHtml(a.groups.join(', ') || 'no groups')})</small></button>`)
        .join('<br>');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><meta charset="utf-8"><title>np local sign-in</title>
<style>body{font-family:system-ui;max-width:32rem;margin:3rem auto}button{margin:.3rem 0;padding:.5rem 1rem;width:100%;text-align:left}</style>
<h1>Local sign-in provider</h1><p>Choose who to be (this provider is for local development and tests).</p>
<form method="post" action="/interaction/${details.uid}/login">${buttons}</form>`);
      return;
    }
    callback(req, res);
  } catch (err) {
    console.error(err);
    if (!res.headersSent) res.writeHead(500);
    res.end(`error: ${err.message}`);
  }
});

server.listen(port, '127.0.0.1', () => {
  console.log(`oidc provider ${issuer} (client np-console, session ${randomUUID().slice(0, 8)})`);
});
