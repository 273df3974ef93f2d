/* no_entry.c - a perfectly valid shared library that is not an adapter: it exports no
 * gateway_plugin_entry. The host must refuse it ("no symbol gateway_plugin_entry"). */
int not_an_adapter(int x) { return x + 1; }
