/// One answer being written: the plan plus the request it answers and the identifiers the provider would assign.
struct Answer: Sendable {
    var plan: AnswerPlan
    var request: ChatRequest
    /// Completion id: the same on every chunk of a stream.
    var id: String
    /// Creation time in seconds since 1970.
    var created: Int

    var model: String { request.model }
}

/// A JSON body with the HTTP status to send it with: an error, or a models list.
struct JSONAnswer: Sendable {
    var status: Int
    var body: JSONValue
}
