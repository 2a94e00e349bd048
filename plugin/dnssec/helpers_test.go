package dnssec

import "os"

var osStat = os.Stat
