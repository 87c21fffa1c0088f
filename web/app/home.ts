/** Where a signed-in user lands (kept apart from routes.ts, which imports the pages that link here). */
export const HOME = '/offers';
