import Foundation

/// Pipeline files written before stages were declared (`prompts:`, `query:`, `validation:`, `concurrency:` with
/// `configure`/`generate`, `embedding.query_instruction`) describe the retrieval recipe; they load as the same
/// stage declarations that `pipelines/retrieval.yaml` spells out, so their runs resume asking nothing again.
enum LegacyRetrievalFormat {
    /// The question types of the report's configure stage, with the explanations its prompts always showed.
    static let questionTypes = [
        ListItem(name: "keywords", description: "a few search keywords, typed the way people type into a search box, not a full sentence"),
        ListItem(name: "acquire_knowledge", description: "a question asking for a fact, a definition or an explanation that the Passage gives"),
        ListItem(name: "summary", description: "a request for the gist or an overview of what the Passage covers"),
        ListItem(name: "yes_or_no", description: "a question that the Passage lets one answer with yes or no"),
        ListItem(name: "background", description: "a question about the causes, history or circumstances behind what the Passage describes"),
    ]

    /// The difficulties of the configure stage.
    static let difficulties = [
        ListItem(name: "high_school", description: "everyday words and general knowledge that a secondary-school student has"),
        ListItem(name: "university", description: "the vocabulary and understanding of someone who studied the field at university"),
        ListItem(name: "phd", description: "specialist, research-level knowledge of the field and its terminology"),
    ]

    /// The stages, lists and example of a legacy file's `prompts`, `query`, `validation` and `concurrency` blocks.
    static func translate(
        top: ConfigMapping, folder: URL, sampling: PipelineConfiguration.Sampling, queryInstruction: String
    ) throws -> (lists: [String: [ListItem]], stages: [StageDeclaration], example: ExampleDeclaration) {
        let promptsNode = try top.required("prompts")
        let prompts = try promptsNode.mapping(allowed: ["directory", "configure", "configure_schema", "generate", "generate_schema"])
        let directory = try prompts.optional("directory").map { PipelineConfiguration.resolve(try $0.string(), folder: folder) } ?? folder
        func file(_ key: String) throws -> URL {
            let field = try prompts.required(key)
            let url = PipelineConfiguration.resolve(try field.string(), folder: directory)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw field.error("the file \(url.path) does not exist; name a file in \(directory.standardizedFileURL.path)")
            }
            return url
        }
        let configureTemplate = try file("configure"), configureSchema = try file("configure_schema")
        let generateTemplate = try file("generate"), generateSchema = try file("generate_schema")
        _ = try PipelineConfiguration.schemaProperties(configureSchema, node: try prompts.required("configure_schema"))
        _ = try PipelineConfiguration.schemaProperties(generateSchema, node: try prompts.required("generate_schema"))

        let queryNode = try top.required("query")
        let query = try queryNode.mapping(allowed: ["length", "language"])
        let buckets = try PipelineConfiguration.parseBuckets(try query.required("length"))
        let languageNode = try query.required("language")
        let language = try languageNode.mapping(allowed: ["cross_lingual_share", "cross_lingual"])
        let share = try language.required("cross_lingual_share").number(in: 0...1)
        let targets = try PipelineConfiguration.parseLanguageWeights(language.optional("cross_lingual"))
        if share > 0 && targets.isEmpty {
            throw queryNode.error(
                "language.cross_lingual must list target languages (for example en: 1.0) when cross_lingual_share is above 0")
        }

        let validation = try top.optional("validation")?.mapping(allowed: ["length_ratio_min", "length_ratio_max", "max_passage_overlap"])
        let ratioMin = try validation?.optional("length_ratio_min")?.number(in: 0...1) ?? 0.5
        let ratioMax = try validation?.optional("length_ratio_max")?.number(in: 1...100) ?? 2.0
        let overlap = try validation?.optional("max_passage_overlap")?.number(in: 0...1) ?? 0.8

        let concurrency = try top.optional("concurrency")?.mapping(allowed: ["configure", "generate"])
        let configureLimit = try concurrency?.optional("configure")?.integer(in: 1...4_096) ?? 32
        let generateLimit = try concurrency?.optional("generate")?.integer(in: 1...4_096) ?? 32

        let at = promptsNode.location
        func located(_ field: String) -> DeclarationLocation {
            DeclarationLocation(file: at.file, line: at.line, field: field)
        }
        func rule(
            _ name: String, _ field: String, _ kind: RuleDeclaration.Kind, _ reason: String, long: String? = nil
        )
            -> RuleDeclaration
        {
            RuleDeclaration(name: name, field: field, kind: kind, reason: reason, reasonLong: long, location: located("prompts"))
        }
        let configure = StageDeclaration(
            name: "configure", template: configureTemplate, schema: configureSchema, sampling: sampling,
            concurrency: configureLimit, draw: nil, condition: nil, fewShot: nil,
            inputs: [
                ("passage", .passage, located("prompts.configure")),
                ("passage_language", .passageLanguageName, located("prompts.configure")),
                ("characters", .personas, located("prompts.configure")),
                ("question_types", .list("question_types"), located("prompts.configure")),
                ("difficulties", .list("difficulties"), located("prompts.configure")),
            ],
            rules: [
                rule("one_of", "character", .oneOf(among: .personas, values: [], matching: .loose), "character_not_candidate"),
                rule(
                    "one_of", "question_type", .oneOf(among: .list("question_types"), values: [], matching: .caseInsensitive),
                    "unknown_question_type"),
                rule(
                    "one_of", "difficulty", .oneOf(among: .list("difficulties"), values: [], matching: .caseInsensitive),
                    "unknown_difficulty"),
            ],
            location: located("prompts.configure"))
        let generate = StageDeclaration(
            name: "generate", template: generateTemplate, schema: generateSchema, sampling: sampling,
            concurrency: generateLimit,
            draw: DrawDeclaration(
                seed: "query-plan",
                variables: [
                    VariableDeclaration(name: "length", kind: .integer(buckets: buckets), location: queryNode.location),
                    VariableDeclaration(
                        name: "query_language", kind: .language(crossLingualShare: share, targets: targets, fallback: "en"),
                        location: languageNode.location),
                ]), condition: nil, fewShot: nil,
            inputs: [
                ("character", .field(stage: "configure", field: "character"), located("prompts.generate")),
                ("passage", .passage, located("prompts.generate")),
                ("passage_language", .passageLanguageName, located("prompts.generate")),
                ("query_language", .variableLanguageName("query_language"), located("prompts.generate")),
                ("cross_lingual", .variableCrossLingual("query_language"), located("prompts.generate")),
                ("question_type", .field(stage: "configure", field: "question_type"), located("prompts.generate")),
                (
                    "question_type_description", .fieldDescription(stage: "configure", field: "question_type"),
                    located("prompts.generate")
                ),
                ("difficulty", .field(stage: "configure", field: "difficulty"), located("prompts.generate")),
                (
                    "difficulty_description", .fieldDescription(stage: "configure", field: "difficulty"),
                    located("prompts.generate")
                ),
                ("length", .variable("length"), located("prompts.generate")),
            ],
            rules: [
                rule("not_empty", "query", .notEmpty, "empty_query"),
                rule("not_placeholder", "query", .notPlaceholder, "query_placeholder"),
                rule("not_prompt_echo", "query", .notPromptEcho, "query_echoes_prompt"),
                rule(
                    "length", "query", .length(unit: .words, target: "length", ratio: ratioMin...ratioMax, min: nil, max: nil),
                    "query_too_short", long: "query_too_long"),
                rule("not_copy", "query", .notCopy(of: .passage, maxOverlap: overlap, minWords: 4), "query_copies_passage"),
                rule("language", "query", .language(expected: .variable("query_language")), "query_wrong_language"),
            ],
            location: located("prompts.generate"))
        let example = ExampleDeclaration(
            task: "retrieval", anchor: [.field(stage: "generate", field: "query")], positive: [.passage],
            anchorInstruction: queryInstruction, positiveInstruction: nil, anchorLanguage: .variable("query_language"),
            requestedLength: .variable("length"),
            metadata: [
                ("character", .field(stage: "configure", field: "character")),
                ("question_type", .field(stage: "configure", field: "question_type")),
                ("difficulty", .field(stage: "configure", field: "difficulty")),
            ],
            location: located("prompts"))
        return (["question_types": questionTypes, "difficulties": difficulties], [configure, generate], example)
    }
}
