import AdapterHost

extension AdapterChecker {
    /// The configuration the checker creates its instance with.
    var validConfig: (baseURL: String, apiKey: String, options: String) {
        let config = options.samples.config
        let base = config?.baseURL ?? adapter?.defaultBaseURL ?? "https://upstream.invalid"
        return (base.hasSuffix("/") ? String(base.dropLast()) : base, apiKey, config?.optionsJSON ?? "{}")
    }

    /// Instance creation with a valid configuration and with invalid ones.
    func checkInstances(_ adapter: LoadedAdapter) {
        item("instance.valid-config", "create_instance accepts a valid configuration") {
            let config = validConfig
            let (result, _) = adapter.makeInstanceObserved(baseURL: config.baseURL, apiKey: config.apiKey, optionsJSON: config.options)
            switch result {
            case .success(let created):
                instance = created
                return .pass("base_url \(config.baseURL), options \(Self.clip(config.options, 80))")
            case .failure(let error):
                return .fail("\(error) (give a valid configuration in the samples' manifest.json, \"config\")")
            }
        }

        struct Invalid {
            let label: String
            let baseURL: String
            let apiKey: String
            let options: String
        }
        let config = validConfig
        var invalid = [
            Invalid(label: "options_json that is not JSON", baseURL: config.baseURL, apiKey: config.apiKey, options: "{not json"),
            Invalid(label: "options_json that is not an object", baseURL: config.baseURL, apiKey: config.apiKey, options: "[1,2,3]"),
        ]
        for (i, c) in options.samples.invalidConfigs.enumerated() {
            invalid.append(Invalid(label: "invalid_configs[\(i)] of the manifest", baseURL: c.baseURL ?? config.baseURL,
                                   apiKey: c.apiKey ?? config.apiKey, options: c.optionsJSON ?? config.options))
        }
        item("instance.invalid-config", "create_instance refuses invalid configuration with a status, a message and *out left NULL") {
            var problems: [String] = []
            var refusals: [String] = []
            for c in invalid {
                let (result, leftOutput) = adapter.makeInstanceObserved(baseURL: c.baseURL, apiKey: c.apiKey, optionsJSON: c.options)
                switch result {
                case .success:
                    problems.append("\(c.label) was accepted")
                case .failure(let error):
                    if leftOutput { problems.append("\(c.label): *out was not left NULL after a failure") }
                    if error.message.hasPrefix("adapter \(adapter.name) failed in create_instance") {
                        problems.append("\(c.label): refused without a message in gw_error (admins see it as the provider's status)")
                    }
                    checkSecret(in: error.message, where: "the create_instance error message")
                    refusals.append("\(AdapterCallError.statusName(error.status)): \(Self.clip(error.message, 60))")
                }
            }
            return problems.isEmpty ? .pass(refusals.joined(separator: "; ")) : .fail(problems.joined(separator: "; "))
        }
    }
}
