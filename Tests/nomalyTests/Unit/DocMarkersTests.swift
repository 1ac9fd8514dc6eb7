import Foundation
import Testing

/// The pages' markers and what the live test reads from them (DocExamplesTests runs the blocks).
@Suite("shell examples in the docs: markers, commands and the JSON they show")
struct DocMarkersTests {
    @Test("every shell block of README.md and docs/*.md carries a well-formed marker, and every runnable one can be read")
    func everyBlockDecided() throws {
        let pages = try DocPage.all()
        #expect(pages.count > 10, "README.md and the docs/ pages")
        let problems = pages.flatMap(\.problems)
        #expect(problems.isEmpty, "\(problems.map(\.description).joined(separator: "\n"))")
        for example in pages.flatMap(\.examples) {
            guard case .run(let options) = example.marker else { continue }
            #expect(throws: Never.self, "\(example)") { try DocScript(example, options: options) }
        }
    }

    @Test("a shell block without a marker is a problem naming its page and line; a yaml block needs none")
    func unmarkedBlock() {
        let page = DocPage(path: "docs/x.md", text: "# X\n\n```sh\nnomaly jobs list\n```\n\n```yaml\nkind: command\n```\n")
        #expect(page.problems.map(\.line) == [3])
        #expect(page.problems.first?.description.hasPrefix("docs/x.md:3: a shell block without a marker") == true)
        #expect(page.examples.count == 1)
    }

    @Test("an unlabelled block that starts with `$ ` is a session and needs a marker too; other plain blocks do not")
    func unlabelledSession() {
        let page = DocPage(path: "p.md", text: "```\n$ nomaly cron next '0 * * * *'\n```\n\n```\nfield 2 (hour): 24 is out of range\n```\n")
        #expect(page.problems.map(\.line) == [1])
        #expect(page.examples.count == 1)
        #expect(page.examples.first?.isSession == true)
    }

    @Test("markers: run, run with options, not-run with its reason")
    func markers() throws {
        let text = """
            <!-- run -->
            ```sh
            a
            ```
            <!-- run: expect-exit=64 ID=latest URL="http://x y" -->

            ```bash
            b
            ```
            <!-- not-run: needs a Kubernetes cluster -->
            ```console
            $ c
            ```
            """
        let page = DocPage(path: "p.md", text: text)
        #expect(page.problems.isEmpty, "\(page.problems)")
        #expect(page.examples.map(\.line) == [2, 7, 11])
        #expect(page.examples[0].marker == .run(DocRunOptions()))
        var options = DocRunOptions()
        options.expectedExit = 64
        options.placeholders = [.init(text: "ID", replacement: "latest"), .init(text: "URL", replacement: "http://x y")]
        #expect(page.examples[1].marker == .run(options))
        #expect(page.examples[2].marker == .notRun(reason: "needs a Kubernetes cluster"))
    }

    @Test(
        "a bad marker is a problem that says what is wrong",
        arguments: [
            ("<!-- not-run -->", "not-run needs its reason"),
            ("<!-- not-run:   -->", "not-run needs its reason"),
            ("<!-- run: fast -->", "unknown run option fast"),
            ("<!-- run: expect-exit=300 -->", "an exit status is a number 0–255"),
            ("<!-- run: expect-exit= -->", "both sides of = must be given"),
            ("<!-- run: A=\"b -->", "an unclosed \""),
            ("<!-- run now -->", "expected <!-- run --> or <!-- run: OPTIONS -->"),
        ]
    )
    func badMarker(marker: String, message: String) {
        let page = DocPage(path: "p.md", text: "\(marker)\n```sh\nls\n```\n")
        #expect(page.problems.count == 1)
        #expect(page.problems.first?.line == 1)
        #expect(page.problems.first?.message.contains(message) == true, "\(page.problems)")
    }

    @Test("a marker that no shell block follows is a problem: before prose, before a yaml block, at the end")
    func strayMarkers() {
        let text = "<!-- run -->\nSome prose.\n\n<!-- run -->\n```yaml\na: 1\n```\n<!-- not-run: x -->\n"
        #expect(DocPage(path: "p.md", text: text).problems.map(\.line) == [1, 4, 8])
        #expect(DocPage(path: "p.md", text: "<!-- bench:s3 -->\ntext\n").problems.isEmpty, "other comments are not markers")
    }

    @Test("an indented fence (inside a list) is found, and its body loses the indentation")
    func indentedFence() {
        let page = DocPage(path: "p.md", text: "- item\n  <!-- run -->\n  ```sh\n  nomaly jobs list\n  ```\n")
        #expect(page.problems.isEmpty)
        #expect(page.examples.first?.body == ["nomaly jobs list"])
    }

    @Test("placeholders replace whole words only, and text with punctuation at its edges")
    func placeholders() throws {
        let options = try DocRunOptions(parsing: "ID=42 s3://bucket/=s3://$S3_BUCKET/ NAME=disk-usage")
        #expect(options.apply(to: "restore ID; logs RUN_ID; IDs") == "restore 42; logs RUN_ID; IDs")
        #expect(options.apply(to: "cp x s3://bucket/backups/") == "cp x s3://$S3_BUCKET/backups/")
        #expect(options.apply(to: "jobs history NAME --limit 10") == "jobs history disk-usage --limit 10")
    }
}
