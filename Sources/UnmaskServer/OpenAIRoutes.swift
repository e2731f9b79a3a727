import Foundation
import Hummingbird
import NIOCore
import Unmask

/// The OpenAI-compatible routes: `/v1/models`, `/v1/completions`, `/v1/chat/completions`.
struct OpenAIRoutes: Sendable {
  let engine: CompletionEngine
  let queue: GenerationQueue
  let options: ServerOptions
  /// Unix seconds when the server started (`created` of the model entry).
  let started: Int

  /// Registers the routes on `group` (which carries the API key check).
  func register(on group: RouterGroup<BasicRequestContext>) {
    group.get("models") { _, _ in
      try jsonResponse(ModelList(data: [self.modelEntry]))
    }
    group.get("models/:id") { _, context in
      let id = try context.parameters.require("id")
      try self.engine.checkModel(id)
      return try jsonResponse(self.modelEntry)
    }
    group.post("completions") { request, _ in
      try await self.handle(request, chat: false) { data in
        let body = try BodyDecoding.decode(CompletionRequest.self, from: data)
        return (try self.engine.prepare(body), body.common)
      }
    }
    group.post("chat/completions") { request, _ in
      try await self.handle(request, chat: true) { data in
        let body = try BodyDecoding.decode(ChatCompletionRequest.self, from: data)
        return (try self.engine.prepare(body), body.common)
      }
    }
  }

  /// Reads the body, prepares it (every 400 before queueing) and answers. With
  /// `watchDisconnects`, all of it runs inside Hummingbird's inbound-close handler, which reads
  /// the body and then watches the connection: a client closing it sets the run's stop flag.
  private func handle(
    _ request: Request, chat: Bool,
    prepare: @escaping (Data) throws -> (PreparedCompletion, CommonFields)
  ) async throws -> Response {
    let limit = options.maxBodyBytes
    let closed = StopFlag()
    let answer = { (body: RequestBody) async throws -> Response in
      // Errors become responses here: thrown out of the inbound-close handler, the connection
      // would close before the error response was written.
      do {
        let (prepared, common) = try prepare(try await Self.collect(body, limit: limit))
        return try await self.respond(prepared: prepared, common: common, chat: chat, stop: closed)
      } catch let error as APIError {
        return error.response()
      }
    }
    guard options.watchDisconnects else { return try await answer(request.body) }
    var response = try await request.body.consumeWithInboundCloseHandler { body in
      try await answer(body)
    } onInboundClosed: {
      closed.set()
    }
    // The handler ends the connection's inbound stream, so the server closes the connection
    // after this response: say so, or a keep-alive client would send its next request into it.
    response.headers[.connection] = "close"
    return response
  }

  var modelEntry: ModelList.Entry { ModelList.Entry(id: engine.served.name, created: started) }

  /// The body, at most `limit` bytes (413 above).
  static func collect(_ body: RequestBody, limit: Int) async throws -> Data {
    do {
      let buffer = try await body.collect(upTo: limit)
      return Data(buffer.readableBytesView)
    } catch let error as HTTPError where error.status == .contentTooLarge {
      throw APIError.tooLarge(limit: limit)
    } catch is NIOTooManyBytesError {
      // What collecting an in-memory body throws (the live server throws the HTTPError).
      throw APIError.tooLarge(limit: limit)
    }
  }

  /// Queues the run (429 when full) and answers in one piece or as a stream. `stop` is set when
  /// the client closes the connection (non-streamed runs; a stream notices failed writes).
  private func respond(
    prepared: PreparedCompletion, common: CommonFields, chat: Bool, stop: StopFlag
  ) async throws -> Response {
    let ticket = try queue.reserve()
    let reply = ReplyBuilder(
      chat: chat, model: engine.served.name, promptTokens: prepared.promptTokens)
    if common.stream {
      return streamResponse(
        ticket: ticket, prepared: prepared, common: common, reply: reply)
    }
    let engine = self.engine
    let outputs = try await ticket.run(stop: stop) {
      try (0..<prepared.choiceCount).map { try engine.run(prepared, index: $0, stop: stop) }
    }
    return try jsonResponse(reply.whole(outputs))
  }

  /// Server-Sent Events: step events (when asked for) as the run goes, then the chunks and
  /// `[DONE]`. A failed write means the client has gone: the run is stopped.
  private func streamResponse(
    ticket: GenerationQueue.Ticket, prepared: PreparedCompletion, common: CommonFields,
    reply: ReplyBuilder
  ) -> Response {
    let engine = self.engine
    let headers: HTTPFields = [
      .contentType: ServerSentEvents.contentType, .cacheControl: "no-cache",
    ]
    let body = ResponseBody { writer in
      let stop = StopFlag()
      let (events, sink) = AsyncStream.makeStream(of: String.self)
      let streamSteps = common.streamSteps
      let job = Task {
        do {
          let outputs = try await ticket.run(stop: stop) {
            try (0..<prepared.choiceCount).map { index in
              try engine.run(prepared, index: index, stop: stop) { event in
                if streamSteps, let json = try? JSONCoding.encoder.encode(event) {
                  sink.yield(ServerSentEvents.event("step", json))
                } else {
                  sink.yield(ServerSentEvents.comment("step \(event.step)"))
                }
              }
            }
          }
          for chunk in try reply.chunks(outputs, includeUsage: common.includeUsage) {
            sink.yield(ServerSentEvents.data(chunk))
          }
        } catch let error as APIError {
          sink.yield(ServerSentEvents.data(error.body))
        } catch {
          sink.yield(ServerSentEvents.data(APIError.internalError("\(error)").body))
        }
        sink.yield(ServerSentEvents.done)
        sink.finish()
      }
      do {
        for await text in events {
          try await writer.write(ServerSentEvents.buffer(text))
        }
        try await writer.finish(nil)
      } catch {
        stop.set()
        job.cancel()
        throw error
      }
    }
    return Response(status: .ok, headers: headers, body: body)
  }
}

/// A JSON response with status 200.
func jsonResponse<T: Encodable>(_ value: T) throws -> Response {
  let data = try JSONCoding.encoder.encode(value)
  return Response(
    status: .ok, headers: [.contentType: "application/json"],
    body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
}
