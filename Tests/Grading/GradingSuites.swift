// The Swift Testing front end of the grading library: one parameterized test per chapter,
// named after the chapter so `swift test --filter dfdx` runs exactly that chapter's grading.
// (The `grade` executable is the other front end; it isolates each case in a child process.)
import Testing
import Grading

/// Runs one case; a skip (no GPU, no model file) is printed, not counted as a failure.
func run(_ c: GradingCase) throws {
    let root = GradingContext.findReferenceRoot() ?? "Tests/Grading/Reference"
    do {
        try c.body(GradingContext(referenceRoot: root))
    } catch let skip as GradingSkip {
        print("skipped \(c.id): \(skip.message)")
    }
}

@Suite struct Grade {
    @Test(arguments: Catalog.cases(chapter: "dfdx"))
    func dfdx(_ c: GradingCase) throws { try run(c) }

    @Test(arguments: Catalog.cases(chapter: "lego"))
    func lego(_ c: GradingCase) throws { try run(c) }

    @Test(arguments: Catalog.cases(chapter: "brrr"))
    func brrr(_ c: GradingCase) throws { try run(c) }

    @Test(arguments: Catalog.cases(chapter: "pt2"))
    func pt2(_ c: GradingCase) throws { try run(c) }

    @Test(arguments: Catalog.cases(chapter: "az1use1"))
    func az1use1(_ c: GradingCase) throws { try run(c) }

    @Test(arguments: Catalog.cases(chapter: "ctoriscv"))
    func ctoriscv(_ c: GradingCase) throws { try run(c) }

    /// Each chapter's order manifest lists exactly the TODO ids its cases cover, once each.
    @Test func manifestsListEveryCoveredID() {
        let root = GradingContext.findReferenceRoot() ?? "Tests/Grading/Reference"
        for chapter in Catalog.chapters {
            let order = Catalog.order(chapter: chapter, referenceRoot: root).map(\.id)
            #expect(!order.isEmpty, "\(chapter) has no order manifest \(root)/\(chapter)/order.txt")
            #expect(Set(order).count == order.count, "\(chapter)/order.txt lists an id twice")
            let covered = Set(Catalog.todos(chapter: chapter))
            #expect(covered.subtracting(order).isEmpty, "\(chapter)/order.txt misses \(covered.subtracting(order).sorted())")
            #expect(Set(order).subtracting(covered).isEmpty, "no case covers \(Set(order).subtracting(covered).sorted())")
        }
    }

    @Test func everyChapterHasCases() {
        for chapter in Catalog.chapters {
            #expect(!Catalog.cases(chapter: chapter).isEmpty, "chapter \(chapter) has no grading cases")
        }
    }
}
