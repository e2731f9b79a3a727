import UnmaskCore

/// A strategy's or schedule's parameter values: a struct whose `init()` holds every default.
///
/// Its fields are read and written only through the descriptor's `Parameter`s (by key path),
/// so the struct is the one typed place where a value lives. `NoParameters` serves the
/// strategies and schedules that take none.
public protocol PluginParameters: Equatable, Sendable {
  /// Every parameter at its default.
  init()
}

/// The parameters of a strategy or schedule that takes none.
public struct NoParameters: PluginParameters {
  /// Nothing to set.
  public init() {}
}

extension PluginParameters {
  /// Whether `other` is of the same type and holds the same values.
  func isEqual(to other: any PluginParameters) -> Bool { (other as? Self) == self }
}

/// What a parameter holds: how a command-line value is read and how `--help` names it.
public enum ParameterKind: Sendable, Equatable {
  /// A real number.
  case number
  /// An integer.
  case integer
  /// One of these names.
  case choice([String])
  /// A file path, or none (JSON `null`).
  case file
  /// A list of integers; on the command line, a file that holds them.
  case counts

  /// The value's name in `--help`: `--threshold <number>`.
  public var valueName: String {
    switch self {
    case .number: return "number"
    case .integer: return "integer"
    case .choice(let names): return names.joined(separator: "|")
    case .file, .counts: return "file"
    }
  }
}

/// The values a number parameter accepts, written the way errors and `--help` show them:
/// `(0, 1]`, `[0, inf)`. An infinite end is open, so a number in range is finite (and not NaN).
public struct NumberRange: Sendable, Equatable, CustomStringConvertible {
  /// The lower end.
  public var lower: Double
  /// Whether `lower` itself is allowed.
  public var includesLower: Bool
  /// The upper end (`.infinity`: none).
  public var upper: Double
  /// Whether `upper` itself is allowed.
  public var includesUpper: Bool

  /// `[lower, upper]`.
  public static func closed(_ lower: Double, _ upper: Double) -> NumberRange {
    NumberRange(lower: lower, includesLower: true, upper: upper, includesUpper: true)
  }
  /// `[lower, upper)`.
  public static func closedOpen(_ lower: Double, _ upper: Double) -> NumberRange {
    NumberRange(lower: lower, includesLower: true, upper: upper, includesUpper: false)
  }
  /// `(lower, upper]`.
  public static func openClosed(_ lower: Double, _ upper: Double) -> NumberRange {
    NumberRange(lower: lower, includesLower: false, upper: upper, includesUpper: true)
  }
  /// `[lower, inf)`.
  public static func atLeast(_ lower: Double) -> NumberRange {
    NumberRange(lower: lower, includesLower: true, upper: .infinity, includesUpper: false)
  }
  /// `(lower, inf)`.
  public static func above(_ lower: Double) -> NumberRange {
    NumberRange(lower: lower, includesLower: false, upper: .infinity, includesUpper: false)
  }

  /// Whether `x` is in the range (NaN never is).
  public func contains(_ x: Double) -> Bool {
    (includesLower ? x >= lower : x > lower) && (includesUpper ? x <= upper : x < upper)
  }

  /// `(0, 1]`, `[0, inf)`.
  public var description: String {
    "\(includesLower ? "[" : "(")\(Self.format(lower)), \(Self.format(upper))\(includesUpper ? "]" : ")")"
  }

  /// A bound or default as people write it: `0`, `0.25`, `inf`.
  static func format(_ x: Double) -> String {
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    if x == x.rounded(), abs(x) < 1e15 { return "\(Int(x))" }
    return "\(x)"
  }
}

/// A parameter as the command line, `--help`, sweeps and the server see it, whatever its type.
public struct ParameterInfo: Sendable {
  /// The settings key (`verify_threshold`): the JSON key, the sweep axis, the request field.
  public let key: String
  /// The command-line flag without its dashes (`verify-threshold`); errors name it.
  public let flag: String
  /// What the value is.
  public let kind: ParameterKind
  /// The allowed values as errors write them (`(0, 1]`, `2...64`); nil: any value of the kind.
  public let range: String?
  /// What it does, in a few words.
  public let help: String
  /// The default, as JSON (null: none).
  public let defaultValue: JSONValue
  /// Whether giving its flag alone also chooses its schedule or strategy (`--schedule-file`).
  public let choosesItsOwner: Bool
  /// Reads a command-line value into the settings value.
  let argument: @Sendable (String) throws -> JSONValue

  /// The settings value of a command-line argument (a number, a name, a path, the counts in a
  /// file); a malformed one is an error naming the flag.
  public func value(fromArgument text: String) throws -> JSONValue { try argument(text) }

  /// One line for `--help`: `--verify-threshold <number>: ..., in (0, 1], default 0.9`.
  public var helpLine: String {
    var line = "--\(flag) <\(kind.valueName)>: \(help)"
    if let range { line += ", in \(range)" }
    switch defaultValue {
    case .number(let x): line += ", default \(NumberRange.format(x))"
    case .integer(let i): line += ", default \(i)"
    case .string(let s): line += ", default \(s)"
    default: break
    }
    return line
  }
}

/// One typed parameter of a strategy or schedule: its settings key (the JSON key; the flag is
/// the key with dashes), the field of the parameters struct it sets, its range and its help.
///
/// Reading and writing settings, range checks, `--help`, command-line values, sweep axes and
/// server fields all come from this one declaration.
public struct Parameter<P: PluginParameters>: Sendable {
  /// The parameter as tables, `--help` and the command line see it.
  public let info: ParameterInfo
  /// Sets the field from `object` when it holds the key.
  let read: @Sendable (inout P, SettingsObject) throws -> Void
  /// The field as JSON.
  let write: @Sendable (P) -> JSONValue
  /// The field's value when it is out of range (for the message), nil when in range.
  let outOfRange: @Sendable (P) -> String?

  init(
    key: String, flag: String? = nil, kind: ParameterKind, range: String?, help: String,
    choosesItsOwner: Bool = false,
    argument: (@Sendable (String) throws -> JSONValue)? = nil,
    read: @escaping @Sendable (inout P, SettingsObject) throws -> Void,
    write: @escaping @Sendable (P) -> JSONValue,
    outOfRange: @escaping @Sendable (P) -> String? = { _ in nil }
  ) {
    let flag = flag ?? key.replacingOccurrences(of: "_", with: "-")
    info = ParameterInfo(
      key: key, flag: flag, kind: kind, range: range, help: help, defaultValue: write(P()),
      choosesItsOwner: choosesItsOwner,
      argument: argument ?? { try Self.plainArgument($0, kind: kind, flag: flag) })
    self.read = read
    self.write = write
    self.outOfRange = outOfRange
  }

  /// A command-line value of a number, integer, name or path, as JSON.
  private static func plainArgument(_ text: String, kind: ParameterKind, flag: String) throws
    -> JSONValue
  {
    func fail(_ expected: String) -> SamplingError {
      .invalidSetting(
        field: flag, message: "expected \(expected), got \(SettingsObject.describe(.string(text)))")
    }
    switch kind {
    case .number:
      guard let x = Double(text) else { throw fail("a number") }
      return .number(x)
    case .integer:
      guard let i = Int(text) else { throw fail("an integer") }
      return .integer(i)
    case .choice, .file, .counts:
      return .string(text)
    }
  }
}

extension Parameter {
  /// A real number; `range` nil accepts any.
  public static func number(
    _ key: String, _ field: WritableKeyPath<P, Double>, in range: NumberRange? = nil,
    help: String
  ) -> Parameter {
    Parameter(
      key: key, kind: .number, range: range?.description, help: help,
      read: { p, o in if let v = try o.double(key) { p[keyPath: field] = v } },
      write: { .number($0[keyPath: field]) },
      outOfRange: { p in
        let v = p[keyPath: field]
        return range.map { $0.contains(v) } == false ? "\(v)" : nil
      })
  }

  /// An integer in `range`.
  public static func integer(
    _ key: String, _ field: WritableKeyPath<P, Int>, in range: ClosedRange<Int>, help: String
  ) -> Parameter {
    Parameter(
      key: key, kind: .integer, range: "\(range)", help: help,
      read: { p, o in if let v = try o.int(key) { p[keyPath: field] = v } },
      write: { .integer($0[keyPath: field]) },
      outOfRange: { p in range.contains(p[keyPath: field]) ? nil : "\(p[keyPath: field])" })
  }

  /// One of the cases of `C`, by raw value.
  public static func choice<C: RawRepresentable & CaseIterable>(
    _ key: String, _ field: WritableKeyPath<P, C>, help: String
  ) -> Parameter where C.RawValue == String {
    Parameter(
      key: key, kind: .choice(C.allCases.map(\.rawValue)), range: nil, help: help,
      read: { p, o in
        if let v: C = try o.choice(key, key.replacingOccurrences(of: "_", with: " ")) {
          p[keyPath: field] = v
        }
      },
      write: { .string($0[keyPath: field].rawValue) })
  }

  /// A file path, or none.
  public static func file(_ key: String, _ field: WritableKeyPath<P, String?>, help: String)
    -> Parameter
  {
    Parameter(
      key: key, kind: .file, range: nil, help: help,
      read: { p, o in
        if let v = try o.optional(key, o.path) { p[keyPath: field] = v }
      },
      write: { p in p[keyPath: field].map { .string($0) } ?? .null })
  }

  /// A list of integers, given on the command line as the file `readFile` reads (and then, with
  /// `choosesItsOwner`, choosing its schedule or strategy unless another is named).
  public static func counts(
    _ key: String, _ field: WritableKeyPath<P, [Int]>, flag: String, help: String,
    choosesItsOwner: Bool = false, readFile: @escaping @Sendable (String) throws -> [Int]
  ) -> Parameter {
    Parameter(
      key: key, flag: flag, kind: .counts, range: nil, help: help,
      choosesItsOwner: choosesItsOwner,
      argument: { path in .array(try readFile(path).map { .integer($0) }) },
      read: { p, o in if let v = try o.ints(key) { p[keyPath: field] = v } },
      write: { .array($0[keyPath: field].map { .integer($0) }) })
  }
}
