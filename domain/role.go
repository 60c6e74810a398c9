package domain

// Role names what a user does; each role sits at one assessment level (or at
// several, for hotline operators and viewers). Casbin's policy in policies/
// grants permissions per role; the region scope is checked separately.
type Role string

const (
	RoleNationalAdmin       Role = "national_admin"
	RoleNationalInspector   Role = "national_inspector"
	RoleProvinceCoordinator Role = "province_coordinator"
	RolePrefectureOfficer   Role = "prefecture_officer"
	RoleCountyOfficer       Role = "county_officer"
	RoleTownshipOfficer     Role = "township_officer"
	RoleVillageOfficer      Role = "village_officer"
	RoleHotlineOperator     Role = "hotline_operator"
	RoleViewer              Role = "viewer"
)

// Roles lists every role, national first.
var Roles = []Role{
	RoleNationalAdmin, RoleNationalInspector, RoleProvinceCoordinator, RolePrefectureOfficer,
	RoleCountyOfficer, RoleTownshipOfficer, RoleVillageOfficer, RoleHotlineOperator, RoleViewer,
}

// roleLevels lists the levels at which a role may sit.
var roleLevels = map[Role][]Level{
	RoleNationalAdmin:       {LevelNation},
	RoleNationalInspector:   {LevelNation},
	RoleProvinceCoordinator: {LevelProvince},
	RolePrefectureOfficer:   {LevelPrefecture},
	RoleCountyOfficer:       {LevelCounty},
	RoleTownshipOfficer:     {LevelTownship},
	RoleVillageOfficer:      {LevelVillage},
	// The hotline (IN11) is run at county level and above.
	RoleHotlineOperator: {LevelNation, LevelProvince, LevelPrefecture, LevelCounty},
	RoleViewer:          {LevelNation, LevelProvince, LevelPrefecture, LevelCounty, LevelTownship, LevelVillage},
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { _, ok := roleLevels[r]; return ok }

// AllowedAt reports whether a user of role r may sit at a region of level lv.
func (r Role) AllowedAt(lv Level) bool {
	for _, l := range roleLevels[r] {
		if l == lv {
			return true
		}
	}
	return false
}

// Levels returns the levels at which r may sit.
func (r Role) Levels() []Level { return append([]Level(nil), roleLevels[r]...) }

// Actor is whoever causes a change: a user, or the system's own jobs.
type Actor struct {
	UserID     int64  `json:"user_id,omitempty"`
	Username   string `json:"username"`
	Role       Role   `json:"role"`
	RegionCode string `json:"region_code"`
}

// SystemActor is the actor of background jobs.
var SystemActor = Actor{Username: "system", Role: RoleNationalAdmin, RegionCode: NationCode}
