package portal_test

import (
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/portal"
)

var _ = Describe("the users file", func() {
	It("reads roles, session limits, passwords and tokens", func() {
		u, err := portal.ParseUsers("users.yaml", []byte(usersYAML("10m", "2h")))
		Expect(err).NotTo(HaveOccurred())
		Expect(u.Users).To(HaveLen(4))
		Expect(u.Sessions.Idle.Minutes()).To(BeNumerically("==", 10))
		Expect(u.Sessions.Absolute.Hours()).To(BeNumerically("==", 2))
		user, ok := u.Login("oak", "pw-oak")
		Expect(ok).To(BeTrue())
		Expect(user.Vendor).To(Equal("Oakfield Health Software"))
		_, ok = u.Login("oak", "pw-ana")
		Expect(ok).To(BeFalse())
		user, ok = u.Bearer("ci-oak.s3cret")
		Expect(ok).To(BeTrue())
		Expect(user.Name).To(Equal("oak"))
		_, ok = u.Bearer("ci-oak.s3cre")
		Expect(ok).To(BeFalse())
		_, ok = u.Bearer("s3cret")
		Expect(ok).To(BeFalse())
	})

	It("makes tokens whose secret only the client keeps", func() {
		token, entry, err := portal.NewToken()
		Expect(err).NotTo(HaveOccurred())
		Expect(entry.Hash).NotTo(ContainSubstring(strings.SplitN(token, ".", 2)[1]))
		yaml := "users:\n  - name: ci\n    role: buyer\n    tokens:\n      - id: " + entry.ID + "\n        hash: \"" + entry.Hash + "\"\n"
		u, err := portal.ParseUsers("u.yaml", []byte(yaml))
		Expect(err).NotTo(HaveOccurred())
		_, ok := u.Bearer(token)
		Expect(ok).To(BeTrue())
	})

	DescribeTable("names the place of every mistake",
		func(yaml, want string) {
			path := filepath.Join(GinkgoT().TempDir(), "users.yaml")
			Expect(os.WriteFile(path, []byte(yaml), 0o600)).To(Succeed())
			_, err := portal.LoadUsers(path)
			Expect(err).To(MatchError(path + ":" + want))
		},
		Entry("an unknown role", "users:\n  - name: a\n    role: admin\n    password: \""+hash("x")+"\"\n",
			`3:11: users[0].role: role "admin": want supplier, assessor or buyer`),
		Entry("a supplier without a vendor", "users:\n  - name: a\n    role: supplier\n    password: \""+hash("x")+"\"\n",
			`3:11: users[0].role: supplier "a" needs a vendor: the vendor name its runs record`),
		Entry("a password in clear", "users:\n  - name: a\n    role: buyer\n    password: hunter2\n",
			`4:15: users[0].password: not a bcrypt hash (never write a password in clear: carecert serve hash makes the hash)`),
		Entry("a user named twice", "users:\n  - name: a\n    role: buyer\n    password: \""+hash("x")+"\"\n  - name: a\n    role: buyer\n    password: \""+hash("x")+"\"\n",
			`5:11: users[1].name: user "a" is named twice`),
		Entry("a bad duration", "sessions:\n  idle: soon\nusers:\n  - name: a\n    role: buyer\n    password: \""+hash("x")+"\"\n",
			`2:9: sessions.idle: "soon" is not a positive duration (such as 30m or 8h)`),
		Entry("an unknown field", "users:\n  - name: a\n    role: buyer\n    pasword: x\n",
			`4:5: unknown field "pasword"`),
		Entry("nobody", "users: []\n", `1:8: users: no users: nothing is public, so nobody could read anything`),
		Entry("a user who could never sign in", "users:\n  - name: a\n    role: buyer\n",
			`2:9: users[0]: user "a" has neither a password nor a token, so could never sign in`),
		Entry("a buyer with a vendor", "users:\n  - name: a\n    role: buyer\n    vendor: X\n    password: \""+hash("x")+"\"\n",
			`4:13: users[0].vendor: a buyer sees every vendor: vendor is for suppliers only`),
	)
})
