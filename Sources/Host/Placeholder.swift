import Hummingbird
import AsyncHTTPClient
import GRDB
import Crypto
import Yams
import HummingbirdBcrypt
