import PairsmithConfiguration
import PairsmithJSON
import PairsmithStore
import PairsmithText

extension DatasetCard {
    /// The card's Markdown body: contents, pipeline, models, languages, selection and filtering, splits, loading.
    static func body(
        sections: [CardSection], configs: [CardConfig], run: RunRecord, selection: ExportSelection, facts: StoredPipeline,
        chatModelsUsed: [String], plan: ExportSplitPlan?, totals: (examples: Int, duplicates: Int), examplesInNoSplit: Int,
        anchors: [String: Int], positives: [String: Int]
    ) -> String {
        var out: [String] = []
        let formats = sections.map { $0.format.description }.joined(separator: ", ")
        out.append("# \(run.id): \(selection.set) set")
        out.append("")
        out.append(
            "Synthetic \(facts.task) training data made by pairsmith \(Pairsmith.version) from run "
                + "`\(run.id)`, exported as \(formats). Generated from the run's database; `manifest.json` in each format's "
                + "folder lists every file with its SHA-256.")
        out.append("")
        out.append("## Contents")
        out.append("")
        out.append("| config | split | files | rows | examples | passages |")
        out.append("| --- | --- | --- | --- | --- | --- |")
        for (section, sectionConfigs) in zip(sections, sections.map { Self.configs(for: $0, named: sections.count > 1) }) {
            guard let main = sectionConfigs.first else { continue }
            for (part, split) in zip(section.parts, main.splits) {
                out.append(
                    "| \(main.name) | \(split.name) | `\(split.path)` | \(split.rows) | \(part.counts.examples) | \(part.counts.documents.count) |")
            }
            for extra in sectionConfigs.dropFirst() {
                for split in extra.splits {
                    out.append("| \(extra.name) | \(split.name) | `\(split.path)` | \(split.rows) | | |")
                }
            }
        }
        out.append("")
        for section in sections {
            out.append("- **\(section.format.description)** (`\(section.format.variant)`): \(columnsText(section))")
            if !section.prefix.isEmpty { out.append("  in `\(section.prefix)/`;") }
            out.append("  `manifest.json` SHA-256 `\(section.manifestSHA256)`.")
        }
        out.append("")
        out.append("## Pipeline")
        out.append("")
        out.append("- task: `\(facts.task)`")
        out.append("- pipeline file: `\(run.pipelinePath)` (SHA-256 `\(run.pipelineSHA256)`), run with pairsmith \(run.pairsmithVersion)")
        if let instruction = facts.queryInstruction {
            out.append("- query instruction: `\(instruction)` (Qwen3 form `Instruct: …\\nQuery:`)")
        }
        out.append("")
        out.append("## Models")
        out.append("")
        out.append("- chat models configured: \(listText(facts.chatModels))")
        out.append("- chat models that answered: \(listText(chatModelsUsed))")
        out.append("- embedding model (scores, selection, hard negatives): `\(selection.model)`")
        let searches = sections.first?.parts.reduce(ExportCounts()) { $0.merged(with: $1.counts) }.searchSettings ?? [:]
        for setting in searches.keys.sorted() {
            out.append(
                "- hard negatives: `\(setting.model)`, K = \(setting.requested), ranks \(setting.rankFrom)–\(setting.rankTo), "
                    + "positive-aware guard \(number(setting.guardFactor)) × the positive's score (\(searches[setting] ?? 0) examples)")
        }
        out.append("")
        out.append("## Languages")
        out.append("")
        out.append("| code | language | anchors | positives |")
        out.append("| --- | --- | --- | --- |")
        for code in Set(anchors.keys).union(positives.keys).sorted() {
            out.append("| \(code) | \(Languages.name(of: code)) | \(anchors[code] ?? 0) | \(positives[code] ?? 0) |")
        }
        out.append("")
        out.append("## Selection and filtering")
        out.append("")
        out.append("- the run made \(totals.examples) examples; \(totals.duplicates) were set aside as exact or near duplicates")
        out.append(
            "- set `\(selection.set)`: the newest selection (\(selection.id), made \(selection.createdAt)) holds \(selection.records) "
                + "examples, cosine bounds low \(selection.low.map(number) ?? "none"), high \(selection.high.map(number) ?? "none")")
        out.append(
            "- selection parameters: `\(((try? JSONValue.parse(selection.parameters))?.sortingKeys() ?? .string(selection.parameters)).compactText)`")
        for section in sections {
            let counts = section.parts.reduce(ExportCounts()) { $0.merged(with: $1.counts) }
            var notes: [String] = []
            if counts.rowsLeftOut > 0 { notes.append("\(counts.rowsLeftOut) left out with fewer negatives than the columns") }
            if counts.examplesLeftOutWithoutNegatives > 0 { notes.append("\(counts.examplesLeftOutWithoutNegatives) left out without a negative") }
            if counts.negativesDroppedOtherSplit > 0 {
                notes.append("\(counts.negativesDroppedOtherSplit) negatives dropped as passages of another split")
            }
            if let cap = section.parts.first?.counts.negativesCap { notes.append("negatives cut to the closest \(cap)") }
            if section.format != .beir {
                notes.append("\(counts.rowsShortOfNegatives) with fewer negatives than their search asked for (never padded)")
            }
            out.append("- \(section.format.description): \(counts.examples) examples written; " + notes.joined(separator: "; "))
        }
        if let plan {
            out.append("")
            out.append("## Splits")
            out.append("")
            out.append(
                "Asked `\(plan.text)` (\(plan.usesFractions ? "fractions" : "counts") of examples), seed \(plan.seed). Examples are split "
                    + "by document: every chunk `{id}#k` of a document goes with it, and a mined negative whose document is in "
                    + "another split is dropped from the row, so no passage is on two sides. "
                    + "\(examplesInNoSplit) examples fell in no split.")
            out.append("")
            out.append("| split | asked | examples | documents |")
            out.append("| --- | --- | --- | --- |")
            if let parts = sections.first?.parts {
                for part in parts {
                    let documents = Set(part.counts.documents.map(ExportSplitPlan.documentGroup)).count
                    out.append("| \(part.split ?? "") | \(part.asked ?? "") | \(part.counts.examples) | \(documents) |")
                }
            }
        }
        out.append("")
        out.append("## Loading")
        out.append("")
        out.append("```python")
        out.append("from datasets import load_dataset")
        out.append("")
        for config in configs {
            let name = config.isDefault || config.name == "default" ? "" : ", \(JSONValue.string(config.name).compactText)"
            out.append(
                "\(identifier(config.name)) = load_dataset(\"path/to/this/folder\"\(name))  # splits: \(config.splits.map(\.name).joined(separator: ", "))"
            )
        }
        out.append("```")
        for section in sections {
            out.append("")
            out.append(usage(section, instruction: facts.queryInstruction))
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// What a format's rows hold.
    static func columnsText(_ section: CardSection) -> String {
        switch section.format {
        case .flagEmbedding: "`query`, `pos` (one passage), `neg` (hard negatives by rank), `prompt` (the instruction), `meta`;"
        case .sentenceTransformers:
            "`anchor`, `positive`" + (0..<(section.parts.first?.counts.negativeColumns ?? 0)).map { ", `negative_\($0 + 1)`" }.joined()
                + " (columns by position);"
        case .msSwift: "`query` (`Instruct: …\\nQuery:…`), `response`, `rejected_response` (when there are negatives);"
        case .msSwiftMessages: "`messages`, `positive_messages`, `negative_messages` (user turns, InfoNCE);"
        case .flagEmbeddingReranker: "`query`, `pos`, `neg`, `prompt` (the LLM-reranker prompt), `query_prompt` (the instruction);"
        case .msSwiftReranker:
            "`messages` (the instruction as `system`, the query as `user`), `positive_messages` and `negative_messages` (assistant turns);"
        case .crossEncoderPairs: "`query`, `passage`, `label` (1 the positive, 0 a negative);"
        case .crossEncoderLists: "`query`, `docs` (the positive first), `labels` (1, then 0 per negative);"
        case .beir:
            "`corpus.jsonl` (`_id`, `title`, `text`), `queries.jsonl` (`_id`, `text`), `qrels/<split>.tsv` (`query-id`, `corpus-id`, `score`);"
        }
    }

    /// How a format's trainer or evaluator reads the folder.
    static func usage(_ section: CardSection, instruction: String?) -> String {
        let folder = section.prefix.isEmpty ? "path/to/this/folder" : "path/to/this/folder/\(section.prefix)"
        let prompt = instruction.map { JSONValue.string(QueryInstruction.prefix(instruction: $0)).compactText } ?? "None"
        let split = section.parts.first?.split.map { "/\($0)" } ?? ""
        switch section.format {
        case .sentenceTransformers:
            return """
                sentence-transformers (MultipleNegativesRankingLoss; the instruction goes in the trainer's prompts):

                ```python
                from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer, SentenceTransformerTrainingArguments, losses
                model = SentenceTransformer("BASE_MODEL")
                args = SentenceTransformerTrainingArguments(output_dir="out", prompts={"anchor": \(prompt)})
                trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=load_dataset("\(folder)")["\(section.parts.first?.split ?? "train")"],
                                                     loss=losses.MultipleNegativesRankingLoss(model))
                ```
                """
        case .crossEncoderPairs, .crossEncoderLists:
            let loss = section.format == .crossEncoderPairs ? "BinaryCrossEntropyLoss" : "LambdaLoss"
            return """
                sentence-transformers CrossEncoder (\(loss)):

                ```python
                from sentence_transformers.cross_encoder import CrossEncoder, CrossEncoderTrainer, losses
                model = CrossEncoder("BASE_MODEL", num_labels=1)
                trainer = CrossEncoderTrainer(model=model, train_dataset=load_dataset("\(folder)")["\(section.parts.first?.split ?? "train")"],
                                              loss=losses.\(loss)(model))
                ```
                """
        case .beir:
            let split = section.parts.first?.split ?? EvaluationWriter.defaultSplit
            return """
                BEIR (or sentence-transformers' InformationRetrievalEvaluator on the same three mappings):

                ```python
                from beir.datasets.data_loader import GenericDataLoader
                corpus, queries, qrels = GenericDataLoader(data_folder="\(folder)").load(split="\(split)")
                ```
                """
        case .flagEmbedding:
            return "FlagEmbedding: `torchrun -m FlagEmbedding.finetune.embedder.encoder_only.base --train_data \(folder)\(split) …`"
        case .flagEmbeddingReranker:
            return "FlagEmbedding reranker: `torchrun -m FlagEmbedding.finetune.reranker.encoder_only.base --train_data \(folder)\(split) …`"
        case .msSwift, .msSwiftMessages:
            return "ms-swift: `swift sft --task_type embedding --loss_type infonce --dataset \(folder)\(split)/part-00000.jsonl …`"
        case .msSwiftReranker:
            return
                "ms-swift: `swift sft --task_type generative_reranker --loss_type listwise_generative_reranker --dataset \(folder)\(split)/part-00000.jsonl …`"
        }
    }

    private static func listText(_ values: [String]) -> String {
        values.isEmpty ? "none recorded" : values.map { "`\($0)`" }.joined(separator: ", ")
    }

    private static func number(_ value: Double) -> String { JSONValue.number(value).compactText }

    private static func identifier(_ name: String) -> String {
        let cleaned = String(name.map { $0.isLetter || $0.isNumber ? $0 : "_" })
        return cleaned == "default" ? "dataset" : cleaned
    }
}
