// The postback baseline: a bare Fastify handler that parses the same query string and answers JSON, storing nothing.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/healthz', async () => 'ok');
app.get('/postback', async (req) => {
  const q = req.query;
  if (!q.order || !q.secret) return { error: 'missing' };
  return { status: 'created', order: q.order, code: q.code, amount: q.amount };
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
