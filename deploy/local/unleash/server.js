// The Unleash server Frontdesk runs locally and in tests (`unleash-server`, pinned in
// package.json). Everything comes from the environment, so the caller (servicekit's
// localunleash, a person) decides the database, port and tokens:
//   DATABASE_URL          postgres://user@host:port/database (required)
//   UNLEASH_PORT          HTTP port (default 4242)
//   UNLEASH_ADMIN_TOKEN   an admin API token to create at start ("*:*.<secret>")
//   UNLEASH_CLIENT_TOKENS comma-separated client API tokens ("<project>:<environment>.<secret>")
'use strict';

const unleash = require('unleash-server');

function tokenParts(secret) {
  const [project, rest] = secret.split(':');
  const environment = rest.split('.')[0];
  return { project, environment };
}

const tokens = [];
if (process.env.UNLEASH_ADMIN_TOKEN) {
  tokens.push({
    ...tokenParts(process.env.UNLEASH_ADMIN_TOKEN),
    secret: process.env.UNLEASH_ADMIN_TOKEN,
    type: 'admin',
    tokenName: 'frontdesk-admin',
  });
}
for (const secret of (process.env.UNLEASH_CLIENT_TOKENS || '').split(',').filter(Boolean)) {
  tokens.push({ ...tokenParts(secret), secret, type: 'client', tokenName: 'frontdesk-client' });
}

unleash
  .start({
    db: { connectionString: process.env.DATABASE_URL, ssl: false },
    server: { port: Number(process.env.UNLEASH_PORT || 4242) },
    authentication: { initApiTokens: tokens },
    logLevel: process.env.UNLEASH_LOG_LEVEL || 'warn',
  })
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
