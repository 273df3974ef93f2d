import Testing

@testable import MockProvider

@Suite struct DirectiveTests {
    @Test func parsesKeysFlagsAndSeveralBrackets() {
        let directives = MockDirectives(parsing: "Hi [mock chunks=5 tools] there [mock interval_ms=20 chunks=7]")
        #expect(directives.int("chunks") == 7)
        #expect(directives.int("interval_ms") == 20)
        #expect(directives.has("tools"))
        #expect(directives.flag("tools"))
        #expect(!directives.has("drop_after"))
        #expect(directives.strippedText == "Hi there")
    }

    @Test func leavesOtherBracketsAlone() {
        let directives = MockDirectives(parsing: "[mockery] is not [a directive]")
        #expect(directives.values.isEmpty)
        #expect(directives.strippedText == "[mockery] is not [a directive]")
    }

    @Test func flagsCanBeSwitchedOff() {
        let directives = MockDirectives(parsing: "[mock reasoning=off]")
        #expect(directives.has("reasoning"))
        #expect(!directives.flag("reasoning"))
        #expect(directives.strippedText == "")
    }

    @Test func textPiecesConcatenateToTheExactText() {
        let text = "Hello from mock glm! You said:  two  spaces\tand a tab "
        let pieces = TextPieces(text: text)
        #expect(pieces.joined == text)
        #expect(pieces.all.joined() == text)
        #expect(pieces[0] == "Hello")
        #expect(pieces[1] == " from")
        #expect(TextPieces.words(3).all == ["w1", " w2", " w3"])
        #expect(TextPieces.words(3).joined == "w1 w2 w3")
    }
}
