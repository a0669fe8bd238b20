/// The kinds of query the configure stage chooses among (the report's Question_Type).
public enum QuestionType: String, CaseIterable, Sendable, Hashable, Codable {
    case keywords
    case acquireKnowledge = "acquire_knowledge"
    case summary
    case yesOrNo = "yes_or_no"
    case background

    /// What the type means, as the prompts explain it.
    public var explanation: String {
        switch self {
        case .keywords: "a few search keywords, typed the way people type into a search box, not a full sentence"
        case .acquireKnowledge: "a question asking for a fact, a definition or an explanation that the Passage gives"
        case .summary: "a request for the gist or an overview of what the Passage covers"
        case .yesOrNo: "a question that the Passage lets one answer with yes or no"
        case .background: "a question about the causes, history or circumstances behind what the Passage describes"
        }
    }
}

/// How much expertise a query takes (the report's Difficulty).
public enum Difficulty: String, CaseIterable, Sendable, Hashable, Codable {
    case highSchool = "high_school"
    case university
    case phd

    /// What the level means, as the prompts explain it.
    public var explanation: String {
        switch self {
        case .highSchool: "everyday words and general knowledge that a secondary-school student has"
        case .university: "the vocabulary and understanding of someone who studied the field at university"
        case .phd: "specialist, research-level knowledge of the field and its terminology"
        }
    }
}
