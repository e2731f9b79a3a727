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
      let data = try await Self.body(request, limit: self.options.maxBodyBytes)
      let body = try BodyDecoding.decode(CompletionRequest.self, from: data)
      let prepared = try self.engine.prepare(body)
      return try await self.respond(request, prepared: prepared, common: body.common, chat: false)
    }
    group.post("chat/completions") { request, _ in
      let data = try await Self.body(request, limit: self.options.maxBodyBytes)
      let body = try BodyDecoding.decode(ChatCompletionRequest.self, from: data)
      let prepared = try self.engine.prepare(body)
      return try await self.respond(request, prepared: prepared, common: body.common, chat: true)
    }
  }

  var modelEntry: ModelList.Entry { ModelList.Entry(id: engine.served.name, created: started) }

  /// The body, at most `limit` bytes (413 above).
  static func body(_ request: Request, limit: Int) async throws -> Data {
    do {
      let buffer = try await request.body.collect(upTo: limit)
      return Data(buffer.readableBytesView)
    } catch let error as HTTPError where error.status == .contentTooLarge {
      throw APIError.tooLarge(limit: limit)
    } catch is NIOTooManyBytesError {
      // What collecting an in-memory body throws (the live server throws the HTTPError).
      throw APIError.tooLarge(limit: limit)
    }
  }

  /// Queues the run (429 when full) and answers in one piece or as a stream.
  private func respond(
    _ request: Request, prepared: PreparedCompletion, common: CommonFields, chat: Bool
  ) async throws -> Response {
    let ticket = try queue.reserve()
    let reply = ReplyBuilder(
      chat: chat, model: engine.served.name, promptTokens: prepared.promptTokens)
    if common.stream {
      return streamResponse(
        ticket: ticket, prepared: prepared, common: common, reply: reply)
    }
    let stop = StopFlag()
    let engine = self.engine
    let job: @Sendable () throws -> [CompletionOutput] = {
      try prepared.prompts.indices.map { try engine.run(prepared, index: $0, stop: stop) }
    }
    let outputs: [CompletionOutput]
    if options.watchDisconnects {
      outputs = try await request.body.consumeWithInboundCloseHandler { _ in
        try await ticket.run(stop: stop, job)
      } onInboundClosed: {
        stop.set()
      }
    } else {
      outputs = try await ticket.run(stop: stop, job)
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
            try prepared.prompts.indices.map { index in
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
