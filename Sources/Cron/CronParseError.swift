/// Why an expression was refused, naming the field as the operator wrote it.
///
/// Positions count from 1 in the expression as written, so with a leading seconds field the hour is field 3:
///
/// ```swift
/// do {
///     _ = try CronSchedule(parsing: "0 24 * * *")
/// } catch {
///     print(error) // field 2 (hour): 24 is out of range 0–23
/// }
/// ```
package struct CronParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of mistake it is, for callers that react to some of them (an API answering 422, say).
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        package var description: String { name }
        /// Nothing to parse, or not 5 or 6 fields.
        package static let fieldCount = Code(name: "field_count")
        /// A value, name or list item that cannot be read (`5x`, `FOO`, `1,,2`, a stray character).
        package static let syntax = Code(name: "syntax")
        /// A number outside the field's range (hour 24, day-of-month 0, `1#6`).
        package static let outOfRange = Code(name: "out_of_range")
        /// A range whose start is after its end (`5-2`).
        package static let backwardsRange = Code(name: "backwards_range")
        /// A step of 0, or larger than the field.
        package static let invalidStep = Code(name: "invalid_step")
        /// `L`, `W` or `#` in a field or position that does not take it.
        package static let notAllowed = Code(name: "not_allowed")
        /// An unknown `@` macro, `@reboot`, or words after a macro.
        package static let unknownMacro = Code(name: "unknown_macro")
        /// `@every` without a duration, with one that cannot be read, zero, or not whole seconds.
        package static let invalidInterval = Code(name: "invalid_interval")
    }

    package let code: Code
    /// 1-based position as written (with a seconds field, seconds is field 1); nil for whole-expression problems.
    package let field: Int?
    /// `second`, `minute`, `hour`, `day-of-month`, `month` or `day-of-week`; nil with `field`.
    package let fieldName: String?
    /// The reason alone, without the field: `24 is out of range 0–23`.
    package let message: String

    package init(code: Code, field: Int? = nil, fieldName: String? = nil, message: String) {
        self.code = code
        self.field = field
        self.fieldName = fieldName
        self.message = message
    }

    /// `field 2 (hour): 24 is out of range 0–23`, or the message alone when no field is concerned.
    package var description: String {
        guard let field, let fieldName else { return message }
        return "field \(field) (\(fieldName)): \(message)"
    }
}
