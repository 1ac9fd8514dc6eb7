extension JSONValue {
    /// The member `key` of an object; nil for anything else.
    package subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    package var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    package var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// Any number as a `Double` (an integer beyond 2⁵³ rounded to the nearest); nil for anything else.
    package var doubleValue: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .number(let value): value
        default: nil
        }
    }

    /// A whole number, also one stored as `.number` (`2.0`, `1e3`); nil for a fraction, a number beyond `Int64`, or
    /// anything that is not a number.
    package var integerValue: Int64? {
        switch self {
        case .integer(let value): value
        case .number(let value): Int64(exactly: value)
        default: nil
        }
    }
}
