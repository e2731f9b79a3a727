import Foundation
import Hummingbird

/// `/traces/`: stub replaced by the viewer routes.
struct TraceRoutes: Sendable {
  let root: URL
  func register(on router: Router<BasicRequestContext>) {}
}
