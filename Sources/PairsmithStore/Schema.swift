import GRDB

/// The database schema, as a sequence of named migrations; a migration once shipped never changes.
enum Schema {
    /// The migrator that brings any pairsmith database up to the current schema.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-retrieval") { db in
            try db.execute(sql: v1)
        }
        migrator.registerMigration("v2-selection") { db in
            try db.execute(sql: v2)
        }
        migrator.registerMigration("v3-claim-order") { db in
            // A claim takes the oldest ready units of a stage (`ORDER BY id`); with this index SQLite walks them in
            // id order and stops at the LIMIT instead of sorting every pending unit of the stage on each claim.
            try db.execute(sql: "CREATE INDEX units_claim_order ON units (run, stage, state, id, available_at)")
        }
        migrator.registerMigration("v4-run-precision") { db in
            // The local engine's arithmetic per run (bf16 or fp32). Its vectors and scores are stored under a model
            // key that names it too (`<folder>` for fp32, `<folder>#bf16`), so a run never mixes the two; a run
            // without a row here was written before precisions were recorded and is fp32.
            try db.execute(sql: "CREATE TABLE run_precisions (run TEXT PRIMARY KEY NOT NULL, precision TEXT NOT NULL, recorded_at DATETIME NOT NULL)")
        }
        migrator.registerMigration("v5-generic-stages") { db in
            try db.execute(sql: v5)
        }
        migrator.registerMigration("v6-document-chunks") { db in
            try db.execute(sql: v6)
        }
        migrator.registerMigration("v7-filters") { db in
            try db.execute(sql: v7)
        }
        migrator.registerMigration("v11-endpoint-windows") { db in
            // Each chat endpoint's adaptive concurrency window as the run's last report left it, for `status`.
            try db.execute(
                sql: """
                    CREATE TABLE endpoint_windows (
                        run TEXT NOT NULL,
                        endpoint TEXT NOT NULL,
                        max_requests INTEGER NOT NULL,
                        window INTEGER NOT NULL,
                        adaptive INTEGER NOT NULL,
                        cuts INTEGER NOT NULL,
                        in_flight INTEGER NOT NULL,
                        answered INTEGER NOT NULL,
                        rate_limited INTEGER NOT NULL,
                        server_errors INTEGER NOT NULL,
                        timeouts INTEGER NOT NULL,
                        updated_at DATETIME NOT NULL,
                        PRIMARY KEY (run, endpoint)
                    )
                    """)
        }
        migrator.registerMigration("v8-shards") { db in
            // `shard_specs`: the corpus shard (`--shard i/n`) a run of this database takes, with the name of the key
            // hash; no row: the run takes the whole corpus. `merged_shards`: each shard database `pairsmith merge`
            // folded into this one (its path, run, spec, pipeline sha256, its file's sha256 before the merge opened
            // it, and what it brought). `run_seeding`: what a run's draws and request seeds are keyed by:
            // `document-key` (the passage's key: the same in a shard as in one unsharded run; every run begun from
            // this version on) or, without a row, `document-id` (the row id, as runs begun earlier keep).
            try db.execute(
                sql: """
                    CREATE TABLE shard_specs (
                        run TEXT PRIMARY KEY NOT NULL,
                        shard_index INTEGER NOT NULL,
                        shard_count INTEGER NOT NULL,
                        key_hash TEXT NOT NULL,
                        recorded_at DATETIME NOT NULL
                    );
                    CREATE TABLE merged_shards (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        source TEXT NOT NULL,
                        run TEXT NOT NULL,
                        shard_index INTEGER,
                        shard_count INTEGER,
                        pipeline_sha256 TEXT NOT NULL,
                        database_sha256 TEXT NOT NULL,
                        documents INTEGER NOT NULL,
                        examples INTEGER NOT NULL,
                        merged_at DATETIME NOT NULL,
                        UNIQUE (source, run)
                    );
                    CREATE TABLE run_seeding (
                        run TEXT PRIMARY KEY NOT NULL,
                        scheme TEXT NOT NULL CHECK (scheme IN ('document-id', 'document-key'))
                    );
                    """)
        }
        migrator.registerMigration("v12-task-families") { db in
            // Negatives that are other examples' generated texts (bitext: other translations into the same target
            // language; STS: the same anchor's low-level sentences), beside `negatives`, which holds passages. A
            // search is still recorded in `negative_searches`; rank 0 first.
            try db.execute(
                sql: """
                    CREATE TABLE example_negatives (
                        pair_id INTEGER NOT NULL REFERENCES examples(id),
                        negative_id INTEGER NOT NULL REFERENCES examples(id),
                        rank INTEGER NOT NULL,
                        score REAL NOT NULL,
                        PRIMARY KEY (pair_id, rank)
                    )
                    """)
        }
        return migrator
    }

    /// Tables of the first version: everything the retrieval pipeline reads and writes.
    private static let v1 = """
        CREATE TABLE runs (
            id TEXT PRIMARY KEY NOT NULL,
            pipeline_path TEXT NOT NULL,
            pipeline_sha256 TEXT NOT NULL,
            configuration TEXT NOT NULL,
            pairsmith_version TEXT NOT NULL,
            created_at DATETIME NOT NULL,
            updated_at DATETIME NOT NULL
        );

        CREATE TABLE documents (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            key TEXT NOT NULL UNIQUE,
            source_file TEXT NOT NULL,
            source_line INTEGER,
            text TEXT NOT NULL,
            lang TEXT NOT NULL,
            lang_source TEXT NOT NULL,
            content_hash TEXT NOT NULL UNIQUE
        );

        CREATE TABLE personas (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            text TEXT NOT NULL,
            text_hash TEXT NOT NULL UNIQUE,
            source_file TEXT NOT NULL,
            source_line INTEGER NOT NULL
        );

        CREATE TABLE vectors (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            owner_kind TEXT NOT NULL,
            owner_id INTEGER NOT NULL,
            model TEXT NOT NULL,
            dimension INTEGER NOT NULL,
            text_hash TEXT NOT NULL,
            vector BLOB NOT NULL,
            UNIQUE (owner_kind, owner_id, model)
        );
        CREATE INDEX vectors_by_text ON vectors (model, text_hash);

        CREATE TABLE candidates (
            run TEXT NOT NULL,
            document_id INTEGER NOT NULL REFERENCES documents(id),
            persona_id INTEGER NOT NULL REFERENCES personas(id),
            rank INTEGER NOT NULL,
            score REAL NOT NULL,
            PRIMARY KEY (run, document_id, rank)
        );

        CREATE TABLE units (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run TEXT NOT NULL,
            stage TEXT NOT NULL,
            document_id INTEGER NOT NULL,
            sample INTEGER NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            available_at DATETIME NOT NULL,
            created_at DATETIME NOT NULL,
            updated_at DATETIME NOT NULL,
            UNIQUE (run, stage, document_id, sample)
        );
        CREATE INDEX units_ready ON units (run, stage, state, available_at);
        CREATE INDEX units_by_state ON units (state);

        CREATE TABLE llm_calls (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            request_hash TEXT NOT NULL UNIQUE,
            unit_key TEXT,
            endpoint TEXT NOT NULL,
            model TEXT NOT NULL,
            request TEXT NOT NULL,
            response TEXT,
            status TEXT NOT NULL,
            http_status INTEGER,
            prompt_tokens INTEGER NOT NULL DEFAULT 0,
            completion_tokens INTEGER NOT NULL DEFAULT 0,
            latency_ms REAL NOT NULL DEFAULT 0,
            created_at DATETIME NOT NULL
        );

        CREATE TABLE configs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run TEXT NOT NULL,
            document_id INTEGER NOT NULL REFERENCES documents(id),
            sample INTEGER NOT NULL,
            character TEXT NOT NULL,
            persona_id INTEGER REFERENCES personas(id),
            question_type TEXT NOT NULL,
            difficulty TEXT NOT NULL,
            request_hash TEXT,
            created_at DATETIME NOT NULL,
            UNIQUE (run, document_id, sample)
        );

        CREATE TABLE pairs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run TEXT NOT NULL,
            document_id INTEGER NOT NULL REFERENCES documents(id),
            sample INTEGER NOT NULL,
            config_id INTEGER REFERENCES configs(id),
            query TEXT NOT NULL,
            query_language TEXT NOT NULL,
            document_language TEXT NOT NULL,
            length_words INTEGER NOT NULL,
            request_hash TEXT,
            created_at DATETIME NOT NULL,
            UNIQUE (run, document_id, sample)
        );

        CREATE TABLE rejects (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run TEXT,
            source TEXT NOT NULL,
            location TEXT NOT NULL,
            reason TEXT NOT NULL,
            detail TEXT NOT NULL,
            payload TEXT,
            created_at DATETIME NOT NULL
        );
        CREATE INDEX rejects_by_reason ON rejects (source, reason);

        CREATE TABLE scores (
            pair_id INTEGER NOT NULL REFERENCES pairs(id),
            model TEXT NOT NULL,
            cosine REAL NOT NULL,
            created_at DATETIME NOT NULL,
            PRIMARY KEY (pair_id, model)
        );

        CREATE TABLE negatives (
            pair_id INTEGER NOT NULL REFERENCES pairs(id),
            document_id INTEGER NOT NULL REFERENCES documents(id),
            rank INTEGER NOT NULL,
            score REAL NOT NULL,
            PRIMARY KEY (pair_id, rank)
        );

        CREATE TABLE exports (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run TEXT NOT NULL,
            "set" TEXT NOT NULL,
            format TEXT NOT NULL,
            directory TEXT NOT NULL,
            records INTEGER NOT NULL,
            shards INTEGER NOT NULL,
            manifest_sha256 TEXT NOT NULL,
            created_at DATETIME NOT NULL
        );
        """

    /// Chunked documents: a corpus record over the pipeline's passage budget is stored as passages keyed `{id}#{k}`,
    /// each with the record's corpus key (`parent_key`), its position (`chunk_index`, from 0) and its Unicode scalar
    /// offsets in the record's text (`char_start`, `char_end`: Python's `text[char_start:char_end]` is the passage).
    /// All four are NULL for a record stored whole (every document older than this migration).
    private static let v6 = """
        ALTER TABLE documents ADD COLUMN parent_key TEXT;
        ALTER TABLE documents ADD COLUMN chunk_index INTEGER;
        ALTER TABLE documents ADD COLUMN char_start INTEGER;
        ALTER TABLE documents ADD COLUMN char_end INTEGER;
        CREATE INDEX documents_by_parent ON documents (parent_key) WHERE parent_key IS NOT NULL;
        """

    /// Tables of the second version: what the score, dedup, select and hard-negative stages record.
    ///
    /// - `duplicates`: a pair dropped as a duplicate of another pair of the same run (`exact`: same normalised query
    ///   text; `near`: query–query cosine ≥ the near-duplicate threshold, same passage), kept with its reason.
    /// - `selections`: one selection of a run's pairs into a set (`sft` or `weak`) under one embedding model, with
    ///   the parameters as asked and as resolved (JSON) and the resolved cosine bounds; the newest per (run, set) is
    ///   the one exports read. `selected_pairs` lists its pairs.
    /// - `negative_searches`: the hard-negative search done for a pair (how many were asked for and found, the rank
    ///   range and the guard factor); the negatives themselves are in `negatives` (v1).
    private static let v2 = """
        CREATE TABLE duplicates (
            pair_id INTEGER PRIMARY KEY NOT NULL REFERENCES pairs(id),
            kind TEXT NOT NULL CHECK (kind IN ('exact', 'near')),
            duplicate_of INTEGER NOT NULL REFERENCES pairs(id),
            cosine REAL,
            created_at DATETIME NOT NULL
        );

        CREATE TABLE selections (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run TEXT NOT NULL,
            "set" TEXT NOT NULL CHECK ("set" IN ('sft', 'weak')),
            model TEXT NOT NULL,
            parameters TEXT NOT NULL,
            low REAL,
            high REAL,
            records INTEGER NOT NULL,
            created_at DATETIME NOT NULL
        );
        CREATE INDEX selections_latest ON selections (run, "set", id);

        CREATE TABLE selected_pairs (
            selection_id INTEGER NOT NULL REFERENCES selections(id) ON DELETE CASCADE,
            pair_id INTEGER NOT NULL REFERENCES pairs(id),
            PRIMARY KEY (selection_id, pair_id)
        );

        CREATE TABLE negative_searches (
            pair_id INTEGER PRIMARY KEY NOT NULL REFERENCES pairs(id),
            model TEXT NOT NULL,
            requested INTEGER NOT NULL,
            found INTEGER NOT NULL,
            rank_from INTEGER NOT NULL,
            rank_to INTEGER NOT NULL,
            guard REAL NOT NULL,
            created_at DATETIME NOT NULL
        );
        """

    /// Tables of the fifth version: the generic stage engine's outputs and examples.
    ///
    /// - `stage_outputs`: one row per (run, stage, document, sample) a declared stage finished: the answer's fields
    ///   after the rules and the variables drawn for the unit, each a JSON object with sorted keys; the persona a
    ///   `one_of`-personas rule resolved; `skipped` = 1 when the stage's `when` skipped the unit (no request made).
    ///   The v3 `configs` (stage `configure`) and `pairs` (stage `generate`) rows are copied in, nothing recomputed.
    ///   `stage_outputs_by_unit` answers "every stage's output of this unit" (read once per unit) without a scan.
    /// - `examples` (was `pairs`, renamed, so every id is kept): the example the last stage produced: `anchor`
    ///   (was `query`), `positive` (NULL: the passage, `documents.text`), generated `negatives` (a JSON array, or
    ///   NULL), `label`, `score`, each side's instruction (`anchor_instruction` NULL: the run's pipeline default, for
    ///   v3 rows `embedding.query_instruction`; `positive_instruction` NULL or '': none), the `task` family and
    ///   `metadata` (a JSON object kept for the report). `config_id` still points at `configs` for v3 rows; new rows
    ///   leave it NULL, and nothing writes `configs` any more (it stays, read only).
    /// - The renaming rewrites the foreign keys of `scores`, `negatives`, `duplicates`, `selected_pairs` and
    ///   `negative_searches` to `examples(id)`; their `pair_id` columns keep their names and hold example ids.
    /// - Vectors: `owner_kind 'query'` is an example's anchor (owner = example id); `'positive'` an example's
    ///   generated positive, or a passage positive that carries an instruction (owner = example id).
    private static let v5 = """
        CREATE TABLE stage_outputs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run TEXT NOT NULL,
            stage TEXT NOT NULL,
            document_id INTEGER NOT NULL REFERENCES documents(id),
            sample INTEGER NOT NULL,
            fields TEXT NOT NULL,
            variables TEXT NOT NULL,
            persona_id INTEGER REFERENCES personas(id),
            skipped INTEGER NOT NULL DEFAULT 0,
            request_hash TEXT,
            created_at DATETIME NOT NULL,
            UNIQUE (run, stage, document_id, sample)
        );
        CREATE INDEX stage_outputs_by_unit ON stage_outputs (run, document_id, sample);

        INSERT INTO stage_outputs (run, stage, document_id, sample, fields, variables, persona_id, skipped, request_hash, created_at)
        SELECT run, 'configure', document_id, sample,
               json_object('character', character, 'difficulty', difficulty, 'question_type', question_type), '{}',
               persona_id, 0, request_hash, created_at
        FROM configs ORDER BY id;

        INSERT INTO stage_outputs (run, stage, document_id, sample, fields, variables, persona_id, skipped, request_hash, created_at)
        SELECT run, 'generate', document_id, sample, json_object('query', query),
               json_object('length', length_words, 'query_language', query_language), NULL, 0, request_hash, created_at
        FROM pairs ORDER BY id;

        ALTER TABLE pairs RENAME TO examples;
        ALTER TABLE examples RENAME COLUMN query TO anchor;
        ALTER TABLE examples RENAME COLUMN query_language TO anchor_language;
        ALTER TABLE examples RENAME COLUMN document_language TO positive_language;
        ALTER TABLE examples ADD COLUMN task TEXT NOT NULL DEFAULT 'retrieval';
        ALTER TABLE examples ADD COLUMN positive TEXT;
        ALTER TABLE examples ADD COLUMN negatives TEXT;
        ALTER TABLE examples ADD COLUMN label TEXT;
        ALTER TABLE examples ADD COLUMN score REAL;
        ALTER TABLE examples ADD COLUMN anchor_instruction TEXT;
        ALTER TABLE examples ADD COLUMN positive_instruction TEXT;
        ALTER TABLE examples ADD COLUMN metadata TEXT;
        """

    /// Tables of the filters (issue 16): reranker scores, LLM-judge ratings, round-trip ranks, guarded negatives.
    ///
    /// - `rerank_scores`: an example's anchor–positive relevance under one reranker model (σ(z_yes − z_no) of a
    ///   Qwen3-Reranker, or a server's relevance score), with the hash of the instruction it was scored under.
    /// - `judge_scores`: one criterion's rating of an example by an LLM judge stage (`judge` = the stage's name), with
    ///   the judge's short reason.
    /// - `positive_ranks`: the rank of an example's passage among every passage vector under the embedding model for
    ///   its anchor (1 = the closest), from the hard-negative search, and how many passages were ranked.
    /// - `negatives.rerank_score`: the reranker's score of a mined negative when a reranker guarded the search.
    /// - `negative_searches.absolute_margin`, `relative_margin`, `rerank_model`: the guards the search ran with
    ///   (NULL: not used; rows older than this migration used only `guard`).
    private static let v7 = """
        CREATE TABLE rerank_scores (
            pair_id INTEGER NOT NULL REFERENCES examples(id),
            model TEXT NOT NULL,
            score REAL NOT NULL,
            instruction_hash TEXT NOT NULL,
            created_at DATETIME NOT NULL,
            PRIMARY KEY (pair_id, model)
        );

        CREATE TABLE judge_scores (
            pair_id INTEGER NOT NULL REFERENCES examples(id),
            judge TEXT NOT NULL,
            criterion TEXT NOT NULL,
            score REAL NOT NULL,
            reason TEXT NOT NULL,
            created_at DATETIME NOT NULL,
            PRIMARY KEY (pair_id, judge, criterion)
        );

        CREATE TABLE positive_ranks (
            pair_id INTEGER NOT NULL REFERENCES examples(id),
            model TEXT NOT NULL,
            rank INTEGER NOT NULL,
            passages INTEGER NOT NULL,
            score REAL NOT NULL,
            created_at DATETIME NOT NULL,
            PRIMARY KEY (pair_id, model)
        );

        ALTER TABLE negatives ADD COLUMN rerank_score REAL;
        ALTER TABLE negative_searches ADD COLUMN absolute_margin REAL;
        ALTER TABLE negative_searches ADD COLUMN relative_margin REAL;
        ALTER TABLE negative_searches ADD COLUMN rerank_model TEXT;
        """
}
