// Says once, loudly, whether the PostgreSQL half of the store tests runs.
export default function setup(): void {
  if (!process.env.TEST_DATABASE_URL) {
    console.warn(
      '\n[touchpoint] TEST_DATABASE_URL is not set: store and API tests run on SQLite only; ' +
        'the PostgreSQL half was NOT run. CI sets TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test.\n',
    );
  }
}
