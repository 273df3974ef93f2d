// Adapters written with AdapterKit get the JSON model with it.
@_exported import JSONCore
