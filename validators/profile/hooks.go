package profile

import (
	"errors"
	"os"

	"github.com/carecert/carecert/fhir/definitions"
)

// defaultHooks wires in the capabilities this build has.
func defaultHooks() Hooks { return Hooks{} }

func asNotFound(err error, target **definitions.NotFoundError) bool { return errors.As(err, target) }

func statPath(p string) (os.FileInfo, error) { return os.Stat(p) }
