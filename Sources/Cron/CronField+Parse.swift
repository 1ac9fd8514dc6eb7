extension CronField {
    /// Parses one field as written at `position` (1-based, counting a seconds field).
    ///
    /// ```swift
    /// try CronField(parsing: "MON-FRI", kind: .dayOfWeek, position: 5).mask // 0b0111110
    /// ```
    init(parsing text: String, kind: CronFieldKind, position: Int) throws(CronParseError) {
        let parser = FieldParser(kind: kind, position: position, text: text)
        var items: [Item] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !part.isEmpty else { throw parser.error(.syntax, "\"\(text)\" has an empty list item") }
            items.append(try parser.item(String(part)))
        }
        self.init(kind: kind, text: text, items: items)
    }
}

/// The grammar of one field: `*`, `N`, `A-B`, with `/STEP`; names; and `L`, `LW`, `NW`, `NL`, `N#K` where allowed.
private struct FieldParser {
    let kind: CronFieldKind
    let position: Int
    let text: String

    func error(_ code: CronParseError.Code, _ message: String) -> CronParseError {
        CronParseError(code: code, field: position, fieldName: kind.name, message: message)
    }

    func item(_ item: String) throws(CronParseError) -> CronField.Item {
        let upper = item.uppercased()
        if kind == .dayOfMonth {
            if upper == "L" { return .lastDayOfMonth }
            if upper == "LW" { return .lastWeekdayOfMonth }
            if upper.hasSuffix("W"), let day = Self.digits(upper.dropLast()) {
                return .nearestWeekday(try inRange(day, kind.bounds))
            }
        }
        if kind == .dayOfWeek {
            if upper == "L" { throw error(.notAllowed, "L in day-of-week needs a weekday before it: 5L is the last Friday") }
            if let hash = upper.firstIndex(of: "#") {
                let weekday = try value(String(item[..<hash]), inItem: item)
                guard let week = Self.digits(upper[upper.index(after: hash)...]) else {
                    throw error(.syntax, "\"\(item)\" must be a weekday, #, and a week number 1–5, as in 1#2")
                }
                guard (1...5).contains(week) else { throw error(.outOfRange, "week \(week) in \(item) is out of range 1–5") }
                return .nthWeekday(weekday % 7, week)
            }
            if upper.count > 1, upper.hasSuffix("L") {
                return .lastWeekday(try value(String(item.dropLast()), inItem: item) % 7)
            }
        }
        let slashParts = item.split(separator: "/", omittingEmptySubsequences: false)
        guard slashParts.count <= 2 else { throw error(.syntax, "\"\(item)\" has more than one /") }
        let step = try slashParts.count == 2 ? self.step(String(slashParts[1]), inItem: item) : nil
        let base = String(slashParts[0])
        if base == "*" { return .every(step: step ?? 1) }
        let dashParts = base.split(separator: "-", omittingEmptySubsequences: false)
        switch dashParts.count {
        case 1:
            let start = try value(base, inItem: item)
            return step.map { .from(start, step: $0) } ?? .single(start)
        case 2:
            let low = try value(String(dashParts[0]), inItem: item)
            let high = try value(String(dashParts[1]), inItem: item)
            guard low <= high else {
                let top = kind == .dayOfWeek ? 6 : kind.bounds.upperBound
                throw error(
                    .backwardsRange,
                    "range \(low)-\(high) runs backwards; to wrap around, write \(low)-\(top),\(kind.bounds.lowerBound)-\(high)"
                )
            }
            return .range(low, high, step: step ?? 1)
        default:
            throw error(.syntax, "\"\(item)\" is not a value or a range A-B")
        }
    }

    private func step(_ token: String, inItem item: String) throws(CronParseError) -> Int {
        guard let step = Self.digits(Substring(token)) else { throw error(.syntax, "step \"\(token)\" in \(item) is not a number") }
        guard step >= 1 else { throw error(.invalidStep, "step 0 in \(item) must be at least 1") }
        let top = kind.bounds.upperBound
        guard step <= top else { throw error(.invalidStep, "step \(step) in \(item) is larger than the field (at most \(top))") }
        return step
    }

    /// A number or a name, checked against the field's range; anything else gets the most specific reason.
    private func value(_ token: String, inItem item: String) throws(CronParseError) -> Int {
        if let number = Self.digits(Substring(token)) { return try inRange(number, kind.bounds) }
        if let named = kind.value(ofName: token) { return named }
        if !token.isEmpty, token.allSatisfy({ $0.isASCII && $0.isNumber }) {
            throw error(.outOfRange, "\(token) is out of range \(kind.bounds.lowerBound)–\(kind.bounds.upperBound)")
        }
        let upper = token.uppercased()
        if token.isEmpty { throw error(.syntax, "\"\(item)\" is missing a value") }
        if token == "*" { throw error(.syntax, "\"\(item)\": * cannot be part of a range; write * or A-B") }
        if upper.contains("#") {
            throw kind == .dayOfWeek
                ? error(.notAllowed, "\(item): N#K cannot be part of a range or step")
                : error(.notAllowed, "# is only allowed in day-of-week (1#2 is the second Monday)")
        }
        let special = upper == "L" || upper == "LW" || ((upper.hasSuffix("L") || upper.hasSuffix("W")) && Self.digits(upper.dropLast()) != nil)
        if special {
            if upper.hasSuffix("W") && kind != .dayOfMonth {
                throw error(.notAllowed, "W is only allowed in day-of-month (15W, LW)")
            }
            if kind == .dayOfMonth || kind == .dayOfWeek {
                throw error(.notAllowed, "\(item): \(token) cannot be part of a range or step")
            }
            throw error(.notAllowed, "L is only allowed in day-of-month (L, LW) and day-of-week (5L)")
        }
        switch kind {
        case .month: throw error(.syntax, "\"\(token)\" is not a number 1–12 or a month name (JAN–DEC)")
        case .dayOfWeek: throw error(.syntax, "\"\(token)\" is not a number 0–7 or a day name (SUN–SAT)")
        default: throw error(.syntax, "\"\(token)\" is not a number")
        }
    }

    private func inRange(_ number: Int, _ bounds: ClosedRange<Int>) throws(CronParseError) -> Int {
        guard bounds.contains(number) else {
            throw error(.outOfRange, "\(number) is out of range \(bounds.lowerBound)–\(bounds.upperBound)")
        }
        return number
    }

    /// Plain ASCII digits, at most 9 of them so the value cannot overflow.
    static func digits(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 9, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }
}
