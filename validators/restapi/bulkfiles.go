package restapi

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhirclient"
	"github.com/carecert/carecert/model"
)

// newBulkFiles judges what the output files hold, as the Bulk Data IG says:
// each file is application/fhir+ndjson, of a type the kick-off's _type asked
// for, and each of its lines is a resource of the file's output.type. Lines
// are judged one by one, by whichever worker parses them, against the file
// their record's Container names.
func newBulkFiles(check.Spec, check.NoParams, *check.Env) (check.Check, error) {
	applies := func(rec *model.Record) bool {
		if ex := exchangeOf(rec); ex != nil {
			return ex.Interaction == fhirclient.BulkDownload && ex.Bulk != nil && !ex.Bulk.Error
		}
		ex := exportOf(rec)
		return ex != nil && ex.Bulk != nil
	}
	return exchangeCheck{applies: applies, judge: bulkFile, record: bulkLine}, nil
}

func bulkFile(ex *fhirclient.Exchange) []model.Finding {
	b := ex.Bulk
	if ex.Failed() || ex.Status != http.StatusOK {
		return notJudged(ex, "output file "+ex.URL+" did not download (BULK-04 reports it)")
	}
	var out []model.Finding
	if ct := ex.ContentType(); ct != "application/fhir+ndjson" {
		out = append(out, finding(ex, model.Error, "bulk.file-content-type", "output file %s (%s) is served as %q, want application/fhir+ndjson", ex.URL, b.FileType, ex.Header("content-type")))
	}
	if len(b.Asked) > 0 && !slices.Contains(b.Asked, b.FileType) {
		out = append(out, finding(ex, model.Error, "bulk.type-not-asked", "output file %s holds %s, but the kick-off's _type asked only for %s", ex.URL, b.FileType, strings.Join(b.Asked, ",")))
	}
	return out
}

// bulkLine judges one exported resource against its file's output.type.
func bulkLine(rec *model.Record) []model.Finding {
	file := exportOf(rec).Bulk.FileType
	if rec.Type == file {
		return nil
	}
	return []model.Finding{rec.Finding(model.Error, "bulk.line-type", rec.Type,
		"line "+itoa(rec.Line)+" of the "+file+" output file is a "+rec.Type+": every line of a file must be of the manifest's output.type")}
}

func bulkDelete(ex *fhirclient.Exchange) []model.Finding {
	if ex.Interaction == fhirclient.BulkDelete {
		return status(ex, "bulk.delete", "DELETE of the export's status URL", http.StatusAccepted)
	}
	return outcomeWith(ex, "bulk.deleted", "the status poll after the export was deleted", http.StatusNotFound)
}

func bulkFileAuth(ex *fhirclient.Exchange) []model.Finding {
	if f := answered(ex, "an output file asked for without a token"); f != nil {
		return f
	}
	if ex.Status == http.StatusUnauthorized || ex.Status == http.StatusForbidden {
		return nil
	}
	return fail(ex, "bulk.file-unprotected", "output file %s was asked for without the access token its manifest requires (requiresAccessToken true) and the server answered HTTP %d, want 401 or 403", ex.URL, ex.Status)
}

func itoa(n int) string { return strconv.Itoa(n) }
