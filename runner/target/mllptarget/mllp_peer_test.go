package mllptarget_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/mllp"
	"github.com/carecert/carecert/model"
	v2 "github.com/carecert/carecert/validators/hl7v2"
)

// npmPeer returns the node binary and the NODE_PATH of the independent MLLP
// implementation .ci/install-hl7-peer.sh installs (node-hl7-server and
// node-hl7-client from npm). Like the browser and database specs, this one
// fails rather than skips when its peer is missing: ./test.sh installs it.
func npmPeer() (node, nodePath string) {
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	Expect(err).NotTo(HaveOccurred())
	nodePath = filepath.Join(root, ".tools", "hl7-peer", "node_modules")
	node, lookErr := exec.LookPath("node")
	_, statErr := os.Stat(filepath.Join(nodePath, "node-hl7-server", "package.json"))
	if lookErr != nil || statErr != nil {
		msg := fmt.Sprintf("the npm MLLP peer is not installed (node: %v; %s: %v): run ./test.sh or sh .ci/install-hl7-peer.sh", lookErr, nodePath, statErr)
		Fail(msg)
	}
	return node, nodePath
}

func freePort() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// peerMessages are sent both ways: enhanced AL/AL, NE/NE, AL/NE, NE/AL, and original mode.
var peerMessages = []struct{ id, accept, application string }{
	{"P1", "AL", "AL"}, {"P2", "NE", "NE"}, {"P3", "AL", "NE"}, {"P4", "NE", "AL"}, {"P5", "", ""},
}

var _ = Describe("MLLP with an independent implementation (npm node-hl7-server and node-hl7-client) on 127.0.0.1", func() {
	It("carecert's client and acknowledgement check accept what the npm server answers in each mode", func() {
		node, nodePath := npmPeer()
		port := freePort()
		ctx, cancel := context.WithCancel(context.Background())
		cmd := exec.CommandContext(ctx, node, filepath.Join("testdata", "npm-peer.cjs"), "server", fmt.Sprint(port))
		cmd.Env = append(os.Environ(), "NODE_PATH="+nodePath)
		out, err := cmd.StdoutPipe()
		Expect(err).NotTo(HaveOccurred())
		cmd.Stderr = GinkgoWriter
		Expect(cmd.Start()).To(Succeed())
		DeferCleanup(func() { cancel(); cmd.Wait() })
		ready := make(chan string, 1)
		go func() {
			line, _ := bufio.NewReader(out).ReadString('\n')
			ready <- strings.TrimSpace(line)
		}()
		Eventually(ready, 20*time.Second).Should(Receive(Equal("ready")))
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		Eventually(func() error {
			c, err := net.Dial("tcp", addr)
			if err == nil {
				c.Close()
			}
			return err
		}, 10*time.Second).Should(Succeed())

		want := map[string][]string{"P1": {"CA", "AA"}, "P2": nil, "P3": {"CA"}, "P4": {"AA"}, "P5": {"AA"}}
		for _, pm := range peerMessages {
			text := withModes(pm.id, pm.accept, pm.application)
			ms, err := hl7v2.ParseAll([]byte(text))
			Expect(err).NotTo(HaveOccurred())
			// node-hl7-server 2.5.0 handles every earlier message of a
			// connection again with each new one: one connection a message.
			c := &mllp.Client{Addr: addr, Timeout: 5 * time.Second, Quiet: 300 * time.Millisecond}
			ex := c.Send(context.Background(), ms[0], []byte(text))
			c.Close()
			Expect(ex.Outcome).To(Equal(hl7v2.Answered), pm.id+": "+ex.Detail)
			var codes []string
			for _, r := range ex.Responses {
				Expect(r.Message).NotTo(BeNil())
				Expect(r.Message.Get("MSA-2")).To(Equal(pm.id))
				codes = append(codes, r.Message.Get("MSA-1"))
			}
			Expect(codes).To(Equal(want[pm.id]), pm.id)
			rec := &model.Record{Kind: model.KindExchange, Source: addr, Value: ex}
			var errs []string
			for _, f := range v2.CheckACK(rec, ex, "auto", false) {
				if f.Severity == model.Error {
					errs = append(errs, f.Code+": "+f.Message)
				}
			}
			Expect(errs).To(BeEmpty(), pm.id)
		}
	})

	It("the npm client gets from carecert's listener what each mode asks for", func() {
		node, nodePath := npmPeer()
		addr, records := listening(params.Params{"ack": "aa"})
		_, port, err := net.SplitHostPort(addr)
		Expect(err).NotTo(HaveOccurred())
		var texts []string
		for _, pm := range peerMessages {
			texts = append(texts, strings.ReplaceAll(withModes(pm.id, pm.accept, pm.application), "\r", "\n"))
		}
		file := filepath.Join(GinkgoT().TempDir(), "messages.txt")
		Expect(os.WriteFile(file, []byte(strings.Join(texts, "\n")), 0o644)).To(Succeed())
		cmd := exec.Command(node, filepath.Join("testdata", "npm-peer.cjs"), "client", port, file)
		cmd.Env = append(os.Environ(), "NODE_PATH="+nodePath)
		cmd.Stderr = GinkgoWriter
		got, err := cmd.Output()
		Expect(err).NotTo(HaveOccurred())
		// The npm client reads several frames that arrive in one read as one
		// message, so count what it saw per message rather than in order.
		seen := map[string]int{}
		for _, l := range strings.Split(strings.TrimSpace(string(got)), "\n") {
			if l != "" {
				seen[strings.Fields(l)[1]]++
			}
		}
		Expect(seen).To(HaveKey("P1"))
		Expect(seen).NotTo(HaveKey("P2"))
		Expect(seen["P3"]).To(Equal(1))
		Expect(seen["P4"]).To(Equal(1))
		Expect(seen["P5"]).To(Equal(1))
		Expect(string(got)).To(ContainSubstring("CA P1"))
		Expect(string(got)).To(ContainSubstring("CA P3"))
		Expect(string(got)).To(ContainSubstring("AA P4"))
		Expect(string(got)).To(ContainSubstring("AA P5"))
		Eventually(func() int { return len(records()) }, 5*time.Second).Should(Equal(len(peerMessages)))
		Expect(problems(records())).To(BeEmpty())
	})
})
