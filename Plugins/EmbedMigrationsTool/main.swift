import Foundation

// nomaly-embed-migrations OUTPUT.swift MIGRATIONS-FOLDER
//
// Run by the EmbedMigrations build plugin (see there why this tool lists the folder): writes
// `EmbeddedMigrations.files`, each `*.sql` file's name and exact text, sorted by name. The text becomes a string
// literal in which everything but printable ASCII is escaped, so no line ending, tab or non-ASCII character can be
// changed by the compiler or an editor: the migrations' checksums, recorded in `schema_migrations`, stay those of
// the files.

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    exit(1)
}

/// `text` as a Swift string literal with the same Unicode scalars.
func literal(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\\": result += "\\\\"
        case "\"": result += "\\\""
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        case " "..."~": result.unicodeScalars.append(scalar)
        default: result += "\\u{\(String(scalar.value, radix: 16))}"
        }
    }
    return result + "\""
}

let arguments = CommandLine.arguments.dropFirst()
guard arguments.count == 2, let output = arguments.first, let folder = arguments.last else {
    fail("usage: nomaly-embed-migrations OUTPUT.swift MIGRATIONS-FOLDER")
}
let names: [String]
do {
    names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".sql") }.sorted()
} catch {
    fail("\(folder): cannot list the migrations folder (\(error))")
}
var source = """
    // Generated at build time by Plugins/EmbedMigrations from migrations/*.sql. Do not edit: edit the files.

    enum EmbeddedMigrations {
        /// Each `migrations/*.sql` file's name and exact text, as they were when this binary was built.
        static let files: [(name: String, text: String)] = [

    """
for name in names {
    let path = folder + "/" + name
    guard let data = FileManager.default.contents(atPath: path) else { fail("\(path): cannot read the file") }
    guard let text = String(validating: data, as: UTF8.self) else { fail("\(path): a migration must be UTF-8 text") }
    source += "        (\(literal(name)), \(literal(text))),\n"
}
source += "    ]\n}\n"
do {
    try Data(source.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
} catch {
    fail("\(output): cannot write the generated source (\(error))")
}
