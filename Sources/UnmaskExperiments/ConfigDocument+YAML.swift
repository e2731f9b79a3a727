import Foundation
import Unmask
import Yams

/// YAML into the JSON tree, with the line of every key.
///
/// Plain scalars follow YAML 1.2's JSON-compatible core schema, not Yams' default (YAML 1.1):
/// `null`, `~` and an empty value are null; `true`/`false` (any case form the spec lists) are
/// booleans; decimal integers and floats are numbers; everything else, `yes`, `on`, `off`,
/// `0x1F`, `1:30` and dates among them, stays a string. So a value means in YAML what it means
/// written the same way in JSON, and no setting named `off` turns into `false`. `.inf` and `.nan`
/// are strings too, because JSON has no such numbers. Quoted scalars are always strings; an
/// explicit `!!str`, `!!int`, `!!float`, `!!bool` or `!!null` tag is honoured; any other tag is
/// an error. Repeated keys are an error (YAML forbids them; Yams reports the line).
extension ConfigDocument {
  /// Parses one YAML document; errors name `source` and the line.
  public static func parseYAML(_ data: Data, source: String) throws -> ConfigDocument {
    guard let text = String(data: data, encoding: .utf8) else {
      throw ExperimentError(source: source, problem: "not UTF-8 text")
    }
    let node: Node?
    do {
      node = try Yams.compose(yaml: text, YAMLCoreSchema.resolver())
    } catch let error as YamlError {
      throw YAMLCoreSchema.error(error, source: source, text: text)
    }
    guard let node else {
      throw ExperimentError(source: source, problem: "empty YAML document; expected a mapping")
    }
    var lines: [String: Int] = [:]
    var budget = YAMLCoreSchema.maximumValues
    let root = try YAMLCoreSchema.value(
      node, path: "", lines: &lines, budget: &budget, source: source)
    return ConfigDocument(root: root, format: .yaml, keyLines: lines)
  }
}

/// The resolver and the node-to-JSON conversion behind `ConfigDocument.parseYAML`.
enum YAMLCoreSchema {
  /// YAML 1.2 core schema rules for plain scalars, restricted to what JSON can hold (decimal
  /// numbers only, no infinities or NaN). Order matters: Yams takes the first rule that matches.
  /// (The patterns are constants; `Resolver.Rule` throws only for a malformed one.)
  static func resolver() throws -> Resolver {
    Resolver.basic
      .appending(.null)  // Yams' null rule is the core schema's: ~, null, Null, NULL, empty.
      .appending(try Resolver.Rule(.bool, "^(?:true|True|TRUE|false|False|FALSE)$"))
      .appending(try Resolver.Rule(.int, "^[-+]?[0-9]+$"))
      .appending(
        try Resolver.Rule(.float, "^[-+]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"))
  }

  /// Values one document may expand to. An alias is a reference that expands on conversion, so
  /// a few lines of nested aliases ("billion laughs") could otherwise fill the memory.
  static let maximumValues = 100_000

  /// The JSON value of `node`; records each mapping key's line under its dotted path and takes
  /// one from `budget` per value.
  static func value(
    _ node: Node, path: String, lines: inout [String: Int], budget: inout Int, source: String
  ) throws -> JSONValue {
    budget -= 1
    guard budget >= 0 else {
      throw ExperimentError(
        source: source, line: node.mark?.line,
        problem: "expands to more than \(maximumValues) values (aliases of aliases?)")
    }
    switch node {
    case .scalar(let scalar):
      // `Node.tag` resolves an implicit tag with the parser's resolver; `Scalar.tag` does not.
      return try value(scalar, tag: node.tag, path: path, source: source)
    case .sequence(let sequence):
      return .array(
        try sequence.enumerated().map { index, element in
          try value(
            element, path: "\(path)[\(index)]", lines: &lines, budget: &budget, source: source)
        })
    case .mapping(let mapping):
      var members: [JSONValue.Member] = []
      for (keyNode, valueNode) in mapping {
        guard case .scalar(let key) = keyNode else {
          throw ExperimentError(
            source: source, line: keyNode.mark?.line, field: path.isEmpty ? nil : path,
            problem: "a key must be a plain string, not a list or mapping")
        }
        let child = path.isEmpty ? key.string : path + "." + key.string
        if let line = key.mark?.line { lines[child] = line }
        members.append(
          (
            key.string,
            try value(valueNode, path: child, lines: &lines, budget: &budget, source: source)
          ))
      }
      return .object(members)
    case .alias:
      // Yams' composer replaces aliases by the anchored node; one left over is not data.
      throw ExperimentError(
        source: source, line: node.mark?.line, field: path.isEmpty ? nil : path,
        problem: "unresolved YAML alias")
    }
  }

  /// A scalar by its resolved tag.
  static func value(
    _ scalar: Node.Scalar, tag: Tag, path: String, source: String
  ) throws -> JSONValue {
    let text = scalar.string
    func bad(_ problem: String) -> ExperimentError {
      ExperimentError(
        source: source, line: scalar.mark?.line, field: path.isEmpty ? nil : path,
        problem: problem)
    }
    switch tag.rawValue {
    case Tag.Name.str.rawValue:
      return .string(text)
    case Tag.Name.null.rawValue:
      return .null
    case Tag.Name.bool.rawValue:
      switch text.lowercased() {
      case "true": return .bool(true)
      case "false": return .bool(false)
      default: throw bad("'\(text)' is not true or false")
      }
    case Tag.Name.int.rawValue:
      let digits = text.hasPrefix("+") ? String(text.dropFirst()) : text
      // As JSONValue.parse does: an integer that does not fit Int is a (float) number.
      if let integer = Int(digits) { return .integer(integer) }
      if let number = Double(digits), number.isFinite { return .number(number) }
      throw bad("'\(text)' is not a decimal integer")
    case Tag.Name.float.rawValue:
      let digits = text.hasPrefix("+") ? String(text.dropFirst()) : text
      guard let number = Double(digits), number.isFinite else {
        throw bad("'\(text)' is not a finite decimal number")
      }
      return .number(number)
    default:
      throw bad("unsupported YAML tag \(tag.rawValue)")
    }
  }

  /// A Yams error as one line: the source, the line and libyaml's words for the problem.
  static func error(_ error: YamlError, source: String, text: String) -> ExperimentError {
    func syntax(_ context: YamlError.Context?, _ problem: String, _ mark: Mark) -> ExperimentError {
      let words = [context?.text, problem].compactMap { $0 }.joined(separator: ": ")
      return ExperimentError(source: source, line: mark.line, problem: "not valid YAML: \(words)")
    }
    switch error {
    case .scanner(let context, let problem, let mark, _),
      .parser(let context, let problem, let mark, _),
      .composer(let context, let problem, let mark, _):
      return syntax(context, problem, mark)
    case .reader(let problem, let offset, _, _):
      let line = offset.map { offset in
        text.prefix(offset).reduce(1) { $0 + ($1 == "\n" ? 1 : 0) }
      }
      return ExperimentError(source: source, line: line, problem: "not valid YAML: \(problem)")
    case .duplicatedKeysInMapping(let duplicates, let context):
      return ExperimentError(
        source: source, line: context.mark.line, field: duplicates.first,
        problem: "key given more than once (first on this line); YAML keys must be unique")
    default:
      return ExperimentError(source: source, problem: "not valid YAML: \(error)")
    }
  }
}
