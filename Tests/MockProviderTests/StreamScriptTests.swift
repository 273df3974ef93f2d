import Foundation
import Testing

@testable import MockProvider

@Suite struct StreamScriptTests {
    private func answer(_ prompt: String, flavor: MockFlavor, stream: Bool = true) throws -> (Answer, MockDirectives) {
        let body = #"{"model":"m","stream":\#(stream),"messages":[{"role":"user","content":"\#(prompt)"}]}"#
        let request = try ChatRequest(json: Array(body.utf8))
        let directives = MockDirectives(parsing: request.lastUserText)
        let wire = WireFormats.format(for: flavor)
        let plan = AnswerPlan(
            request: request, directives: directives, flavor: flavor,
            reasoning: directives.flag("reasoning"), reportsReasoningTokens: wire.reportsReasoningTokens,
            toolCallID: "call_1"
        )
        return (Answer(plan: plan, request: request, id: "id-1", created: 1), directives)
    }

    private func steps(_ prompt: String, flavor: MockFlavor, options: StreamScript.Options) throws -> [StreamScript.Step] {
        let (answer, directives) = try answer(prompt, flavor: flavor)
        var script = StreamScript(answer: answer, wire: WireFormats.format(for: flavor), directives: directives, options: options)
        var steps: [StreamScript.Step] = []
        while let next = script.next() { steps.append(next.step) }
        return steps
    }

    private func kinds(_ steps: [StreamScript.Step]) -> String {
        steps.map {
            switch $0 {
            case .keepAlive: "k"
            case .chunk(_, let usage): usage ? "u" : "c"
            case .error: "e"
            case .done: "D"
            case .drop: "X"
            }
        }.joined()
    }

    @Test(arguments: MockFlavor.allCases)
    func fullStreamEndsWithDone(flavor: MockFlavor) throws {
        let kinds = kinds(try steps("[mock chunks=3]", flavor: flavor, options: .init(keepAlives: 2)))
        switch flavor {
        case .openai: #expect(kinds == "kkcccccD")  // role chunk, 3 words, finish (no include_usage: no usage chunk)
        case .deepseek: #expect(kinds == "kkccccuD")  // role chunk, 3 words, finish+usage
        case .glm: #expect(kinds == "kkcccuD")  // 3 words, finish+usage
        }
    }

    @Test func dropAndErrorCutInAfterNTokenChunks() throws {
        #expect(kinds(try steps("[mock chunks=5]", flavor: .deepseek, options: .init(dropAfter: 2))) == "cccX")
        #expect(kinds(try steps("[mock chunks=5]", flavor: .glm, options: .init(errorAfter: 0))) == "e")
        // Past the end: cut before the closing chunks, so the usage never arrives.
        #expect(kinds(try steps("[mock chunks=2]", flavor: .glm, options: .init(dropAfter: 99))) == "ccX")
    }

    @Test func pausesFollowKeepAlivesThenIntervals() throws {
        let (answer, directives) = try answer("[mock chunks=2]", flavor: .glm)
        var script = StreamScript(
            answer: answer, wire: GLMWire(), directives: directives,
            options: .init(keepAlives: 2, keepAliveIntervalMs: 300, intervalMs: 50)
        )
        var pauses: [Int] = []
        while let next = script.next() { pauses.append(next.pauseMs) }
        #expect(pauses == [0, 300, 300, 50, 50, 0])
    }

    @Test func usageCountsPiecesAndPromptBytes() throws {
        let (answer, _) = try answer("abcdefghi [mock reasoning cached=2]", flavor: .deepseek, stream: false)
        // 35 bytes of content -> 9 prompt tokens; "Hello from mock deepseek! You said: abcdefghi" is 7 pieces, plus 3 reasoning.
        #expect(answer.plan.usage == MockUsage(promptTokens: 9, completionTokens: 10, reasoningTokens: 3, cachedTokens: 2))
    }
}
