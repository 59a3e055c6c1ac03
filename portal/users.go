package portal

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/carecert/carecert/internal/yamlfile"
)

// Role is what a user may see and do.
type Role string

const (
	// Supplier sees and submits its own vendor's runs only.
	Supplier Role = "supplier"
	// Assessor sees every vendor and records attested steps.
	Assessor Role = "assessor"
	// Buyer sees every vendor.
	Buyer Role = "buyer"
)

// User is one person or machine allowed in.
type User struct {
	Name string `yaml:"name" json:"name"`
	Role Role   `yaml:"role" json:"role"`
	// Vendor is a supplier's vendor name, as its runs record it.
	Vendor string `yaml:"vendor,omitempty" json:"vendor,omitempty"`
	// Password is a bcrypt hash (carecert serve hash); empty: no browser login.
	Password string `yaml:"password,omitempty" json:"-"`
	// Tokens are bearer tokens for the API.
	Tokens []Token `yaml:"tokens,omitempty" json:"-"`
}

// Token is a bearer token: the client sends "ID.SECRET"; the file keeps the
// id in clear (to find the token without trying every hash) and the secret
// only as a bcrypt hash.
type Token struct {
	ID   string `yaml:"id"`
	Hash string `yaml:"hash"`
}

// SeesAll reports whether the user may read every vendor's runs.
func (u *User) SeesAll() bool { return u.Role == Assessor || u.Role == Buyer }

// Sessions are the browser sessions' limits.
type Sessions struct {
	// Idle ends a session not used for this long (default 30m).
	Idle time.Duration
	// Absolute ends a session this long after login whatever its use (default 12h).
	Absolute time.Duration
}

// Users is the users file.
type Users struct {
	Sessions Sessions
	Users    []User
	byName   map[string]*User
	byToken  map[string]*tokenOwner
	// verified remembers tokens already checked (by their SHA-256), so that
	// an API client pays bcrypt's price once, not on every call.
	mu       sync.Mutex
	verified map[[32]byte]*User
}

type tokenOwner struct {
	user *User
	hash []byte
}

type usersFile struct {
	Sessions struct {
		Idle     string `yaml:"idle"`
		Absolute string `yaml:"absolute"`
	} `yaml:"sessions"`
	Users []User `yaml:"users"`
}

// LoadUsers reads and checks a users file. Every mistake is an error naming
// the file, line and column.
func LoadUsers(path string) (*Users, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("users %w", err)
	}
	return ParseUsers(path, data)
}

// ParseUsers checks a users file's content; name is the file for messages.
func ParseUsers(name string, data []byte) (*Users, error) {
	var raw usersFile
	f, err := yamlfile.Decode(name, data, &raw)
	if err != nil {
		return nil, err
	}
	u := &Users{Sessions: Sessions{Idle: 30 * time.Minute, Absolute: 12 * time.Hour},
		byName: map[string]*User{}, byToken: map[string]*tokenOwner{}, verified: map[[32]byte]*User{}}
	for _, d := range []struct {
		field, value string
		out          *time.Duration
	}{{"idle", raw.Sessions.Idle, &u.Sessions.Idle}, {"absolute", raw.Sessions.Absolute, &u.Sessions.Absolute}} {
		if d.value == "" {
			continue
		}
		v, err := time.ParseDuration(d.value)
		if err != nil || v <= 0 {
			return nil, f.Errorf("$.sessions."+d.field, "%q is not a positive duration (such as 30m or 8h)", d.value)
		}
		*d.out = v
	}
	if len(raw.Users) == 0 {
		return nil, f.Errorf("$.users", "no users: nothing is public, so nobody could read anything")
	}
	u.Users = raw.Users
	for i := range u.Users {
		user := &u.Users[i]
		at := fmt.Sprintf("$.users[%d]", i)
		switch {
		case strings.TrimSpace(user.Name) == "":
			return nil, f.Errorf(at, "a user needs a name")
		case u.byName[user.Name] != nil:
			return nil, f.Errorf(at+".name", "user %q is named twice", user.Name)
		}
		u.byName[user.Name] = user
		switch user.Role {
		case Supplier:
			if strings.TrimSpace(user.Vendor) == "" {
				return nil, f.Errorf(at+".role", "supplier %q needs a vendor: the vendor name its runs record", user.Name)
			}
		case Assessor, Buyer:
			if user.Vendor != "" {
				return nil, f.Errorf(at+".vendor", "a %s sees every vendor: vendor is for suppliers only", user.Role)
			}
		default:
			return nil, f.Errorf(at+".role", "role %q: want supplier, assessor or buyer", user.Role)
		}
		if user.Password == "" && len(user.Tokens) == 0 {
			return nil, f.Errorf(at, "user %q has neither a password nor a token, so could never sign in", user.Name)
		}
		if user.Password != "" {
			if _, err := bcrypt.Cost([]byte(user.Password)); err != nil {
				return nil, f.Errorf(at+".password", "not a bcrypt hash (never write a password in clear: carecert serve hash makes the hash)")
			}
		}
		for j, t := range user.Tokens {
			tat := fmt.Sprintf("%s.tokens[%d]", at, j)
			if t.ID == "" || strings.ContainsAny(t.ID, ". \t") {
				return nil, f.Errorf(tat+".id", "a token needs an id without dots or spaces")
			}
			if u.byToken[t.ID] != nil {
				return nil, f.Errorf(tat+".id", "token id %q is used twice", t.ID)
			}
			if _, err := bcrypt.Cost([]byte(t.Hash)); err != nil {
				return nil, f.Errorf(tat+".hash", "not a bcrypt hash (carecert serve token makes a token and its hash)")
			}
			u.byToken[t.ID] = &tokenOwner{user: user, hash: []byte(t.Hash)}
		}
	}
	return u, nil
}

// dummyHash is compared against when the user is unknown, so that a wrong
// name takes as long as a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("carecert"), bcrypt.MinCost)

// Login returns the user whose name and password these are.
func (u *Users) Login(name, password string) (*User, bool) {
	user := u.byName[name]
	if user == nil || user.Password == "" {
		bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return nil, false
	}
	if bcrypt.CompareHashAndPassword([]byte(user.Password), []byte(password)) != nil {
		return nil, false
	}
	return user, true
}

// Bearer returns the user of a bearer token "ID.SECRET".
func (u *Users) Bearer(token string) (*User, bool) {
	sum := sha256.Sum256([]byte(token))
	u.mu.Lock()
	user := u.verified[sum]
	u.mu.Unlock()
	if user != nil {
		return user, true
	}
	id, secret, ok := strings.Cut(token, ".")
	owner := u.byToken[id]
	if !ok || owner == nil {
		bcrypt.CompareHashAndPassword(dummyHash, []byte(secret))
		return nil, false
	}
	if bcrypt.CompareHashAndPassword(owner.hash, []byte(secret)) != nil {
		return nil, false
	}
	u.mu.Lock()
	u.verified[sum] = owner.user
	u.mu.Unlock()
	return owner.user, true
}

// HashSecret returns the bcrypt hash a users file keeps for a password or a
// token's secret.
func HashSecret(secret string) (string, error) {
	if secret == "" {
		return "", fmt.Errorf("an empty secret")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(secret), bcrypt.DefaultCost)
	if err != nil {
		return "", err
	}
	return string(h), nil
}

// NewToken makes a token: what the client sends, and the entry for the users
// file.
func NewToken() (token string, entry Token, err error) {
	var id [6]byte
	var secret [24]byte
	if _, err := rand.Read(id[:]); err != nil {
		return "", Token{}, err
	}
	if _, err := rand.Read(secret[:]); err != nil {
		return "", Token{}, err
	}
	entry.ID = hex.EncodeToString(id[:])
	s := hex.EncodeToString(secret[:])
	if entry.Hash, err = HashSecret(s); err != nil {
		return "", Token{}, err
	}
	return entry.ID + "." + s, entry, nil
}
