import ArgumentParser
import Foundation
import Host
import Hummingbird
import Logging

/// The `gateway` command: `gateway serve` (the default) runs the LLM gateway.
@main
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "A high-performance LLM API gateway with C-ABI provider adapters.",
        subcommands: [Serve.self, AdapterCommand.self],
        defaultSubcommand: Serve.self)
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the gateway (proxy, admin API, console).")

    @Option(name: .shortAndLong, help: "Path to config.yaml (default: ./config.yaml when present). Environment variables GATEWAY_* override it.")
    var config: String?

    func run() async throws {
        let configuration: GatewayConfiguration
        do {
            configuration = try GatewayConfiguration.load(file: config)
        } catch {
            FileHandle.standardError.write(Data("gateway: \(error)\n".utf8))
            throw ExitCode(2)
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: configuration.logging.level) ?? .info
            return handler
        }
        let logger = Logger(label: "gateway")
        let gateway: Gateway
        do {
            gateway = try Gateway(configuration: configuration, logger: logger)
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode(1)
        }
        let port = configuration.server.port
        let app = gateway.makeApplication { channel in
            logger.info("gateway ready", metadata: [
                "address": "\(channel.localAddress?.description ?? "?")", "port": "\(channel.localAddress?.port ?? port)",
            ])
        }
        try await app.runService()
    }
}
