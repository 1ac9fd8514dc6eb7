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
public struct CronParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of mistake it is, for callers that react to some of them (an API answering 422, say).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }
        /// Nothing to parse, or not 5 or 6 fields.
        public static let fieldCount = Code(name: "field_count")
        /// A value, name or list item that cannot be read (`5x`, `FOO`, `1,,2`, a stray character).
        public static let syntax = Code(name: "syntax")
        /// A number outside the field's range (hour 24, day-of-month 0, `1#6`).
        public static let outOfRange = Code(name: "out_of_range")
        /// A range whose start is after its end (`5-2`).
        public static let backwardsRange = Code(name: "backwards_range")
        /// A step of 0, or larger than the field.
        public static let invalidStep = Code(name: "invalid_step")
        /// `L`, `W` or `#` in a field or position that does not take it.
        public static let notAllowed = Code(name: "not_allowed")
        /// An unknown `@` macro, `@reboot`, or words after a macro.
        public static let unknownMacro = Code(name: "unknown_macro")
        /// `@every` without a duration, with one that cannot be read, zero, or not whole seconds.
        public static let invalidInterval = Code(name: "invalid_interval")
    }

    public let code: Code
    /// 1-based position as written (with a seconds field, seconds is field 1); nil for whole-expression problems.
    public let field: Int?
    /// `second`, `minute`, `hour`, `day-of-month`, `month` or `day-of-week`; nil with `field`.
    public let fieldName: String?
    /// The reason alone, without the field: `24 is out of range 0–23`.
    public let message: String

    public init(code: Code, field: Int? = nil, fieldName: String? = nil, message: String) {
        self.code = code
        self.field = field
        self.fieldName = fieldName
        self.message = message
    }

    /// `field 2 (hour): 24 is out of range 0–23`, or the message alone when no field is concerned.
    public var description: String {
        guard let field, let fieldName else { return message }
        return "field \(field) (\(fieldName)): \(message)"
    }
}
