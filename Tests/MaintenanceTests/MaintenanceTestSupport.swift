/// The value of the sample whose name and labels are exactly `series` in a Prometheus text exposition.
func sampleValue(_ series: String, in exposition: String) -> Double? {
    for line in exposition.split(separator: "\n") where line.hasPrefix(series + " ") {
        return Double(line.dropFirst(series.count + 1))
    }
    return nil
}
