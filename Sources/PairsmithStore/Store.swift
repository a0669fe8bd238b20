// PairsmithStore: the SQLite schema, migrations and work queue.
