import Foundation
import Hummingbird

/// Turns every error a route throws into an OpenAI-style JSON error response: `APIError` as
/// it is, Hummingbird's `HTTPError` (404 no route, 413 body too large, ...) with its status,
/// anything else as a 500 that names it.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
  func handle(
    _ request: Request, context: Context,
    next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    do {
      return try await next(request, context)
    } catch let error as APIError {
      return error.response()
    } catch let error as HTTPError {
      return Self.apiError(error, request: request).response()
    } catch {
      context.logger.error("unhandled error: \(error)")
      return APIError.internalError("\(error)").response()
    }
  }

  /// The OpenAI form of a Hummingbird error.
  static func apiError(_ error: HTTPError, request: Request) -> APIError {
    switch error.status.code {
    case 404:
      return .notFound("no route for \(request.method) \(request.uri.path)", code: "not_found")
    case 413:
      return APIError(
        status: 413, message: error.body ?? "request body is too large",
        type: "invalid_request_error", code: "request_too_large")
    default:
      return APIError(
        status: error.status.code, message: error.body ?? error.status.reasonPhrase,
        type: error.status.code >= 500 ? "server_error" : "invalid_request_error")
    }
  }
}

extension APIError {
  /// The HTTP response: status, JSON body and, for 429, `Retry-After`.
  func response() -> Response {
    var headers: HTTPFields = [.contentType: "application/json"]
    if let retryAfter { headers[.retryAfter] = String(retryAfter) }
    return Response(
      status: HTTPResponse.Status(code: status), headers: headers,
      body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
  }
}

/// Requires `Authorization: Bearer <key>` (401 otherwise) when the server has a key.
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
  let key: String

  func handle(
    _ request: Request, context: Context,
    next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    guard let header = request.headers[.authorization], header == "Bearer \(key)" else {
      throw APIError.unauthorized
    }
    return try await next(request, context)
  }
}
