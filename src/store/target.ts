/** A `--database` value names PostgreSQL by its URL scheme; anything else is a SQLite path. */
export const isPostgresUrl = (target: string): boolean => /^postgres(ql)?:\/\//.test(target);
