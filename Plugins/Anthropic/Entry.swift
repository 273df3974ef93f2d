import AdapterKit
import PluginAPI

/// The host table this adapter received (AdapterKit keeps no global state of its own).
let hostLink = HostLink()

// The descriptor is immutable after initialisation and never freed (the ABI wants it static).
nonisolated(unsafe) let descriptor = AdapterRuntime.makeDescriptor(
    name: "anthropic", version: "1.0.0", displayName: "Anthropic", defaultBaseURL: "https://api.anthropic.com",
    capabilities: [.streaming, .tools, .reasoning, .vision],
    createInstance: { config, out, err in
        AdapterRuntime.createInstance(AnthropicProvider.self, config, out, err, log: hostLink.log)
    })

/// The one exported symbol: returns the descriptor for host ABI major 1, NULL otherwise.
#if compiler(>=6.3.1)
@c(gateway_plugin_entry)
#else
@_cdecl("gateway_plugin_entry")
#endif
public func gatewayPluginEntry(_ hostABI: UInt32, _ host: UnsafePointer<gw_host_api>?) -> UnsafePointer<gw_plugin_descriptor>? {
    AdapterRuntime.entry(hostABI: hostABI, host: host, link: hostLink, descriptor: descriptor)
}
