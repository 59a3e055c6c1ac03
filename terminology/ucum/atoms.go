package ucum

// atomDef is one row of the unit table, after the UCUM specification's
// essence file: a symbol, whether metric prefixes may be applied, and its
// definition as a factor times a UCUM expression of other units ("" for the
// seven base units). Special (non-ratio) units such as Cel are defined by the
// unit of their dimension; arbitrary units by "arb".
type atomDef struct {
	symbol  string
	metric  bool
	factor  float64
	defn    string
	special bool
}

// base units, in the order of the dimension vector.
var baseUnits = [...]string{"m", "s", "g", "rad", "K", "C", "cd"}

var prefixes = map[string]float64{
	"Y": 1e24, "Z": 1e21, "E": 1e18, "P": 1e15, "T": 1e12, "G": 1e9, "M": 1e6,
	"k": 1e3, "h": 1e2, "da": 1e1, "d": 1e-1, "c": 1e-2, "m": 1e-3, "u": 1e-6,
	"n": 1e-9, "p": 1e-12, "f": 1e-15, "a": 1e-18, "z": 1e-21, "y": 1e-24,
	"Ki": 1024, "Mi": 1048576, "Gi": 1073741824, "Ti": 1099511627776,
}

const arb = "arb"

var atomTable = []atomDef{
	// base units
	{"m", true, 1, "", false}, {"s", true, 1, "", false}, {"g", true, 1, "", false},
	{"rad", true, 1, "", false}, {"K", true, 1, "", false}, {"C", true, 1, "", false},
	{"cd", true, 1, "", false},
	// dimensionless
	{"10*", false, 10, "1", false}, {"10^", false, 10, "1", false}, {"[pi]", false, 3.14159265358979, "1", false},
	{"%", false, 1e-2, "1", false}, {"[ppth]", false, 1e-3, "1", false}, {"[ppm]", false, 1e-6, "1", false},
	{"[ppb]", false, 1e-9, "1", false}, {"[pptr]", false, 1e-12, "1", false},
	// SI
	{"mol", true, 6.0221367e23, "1", false}, {"sr", true, 1, "rad2", false}, {"Hz", true, 1, "s-1", false},
	{"N", true, 1, "kg.m/s2", false}, {"Pa", true, 1, "N/m2", false}, {"J", true, 1, "N.m", false},
	{"W", true, 1, "J/s", false}, {"A", true, 1, "C/s", false}, {"V", true, 1, "J/C", false},
	{"F", true, 1, "C/V", false}, {"Ohm", true, 1, "V/A", false}, {"S", true, 1, "Ohm-1", false},
	{"Wb", true, 1, "V.s", false}, {"Cel", true, 1, "K", true}, {"T", true, 1, "Wb/m2", false},
	{"H", true, 1, "Wb/A", false}, {"lm", true, 1, "cd.sr", false}, {"lx", true, 1, "lm/m2", false},
	{"Bq", true, 1, "s-1", false}, {"Gy", true, 1, "J/kg", false}, {"Sv", true, 1, "J/kg", false},
	// other ISO 1000 units
	{"gon", false, 0.9, "deg", false}, {"deg", false, 2 * 3.14159265358979 / 360, "rad", false},
	{"'", false, 1.0 / 60, "deg", false}, {"''", false, 1.0 / 60, "'", false},
	{"l", true, 1, "dm3", false}, {"L", true, 1, "l", false}, {"ar", true, 100, "m2", false},
	{"min", false, 60, "s", false}, {"h", false, 60, "min", false}, {"d", false, 24, "h", false},
	{"a_t", false, 365.24219, "d", false}, {"a_j", false, 365.25, "d", false}, {"a_g", false, 365.2425, "d", false},
	{"a", false, 1, "a_j", false}, {"wk", false, 7, "d", false}, {"mo_s", false, 29.53059, "d", false},
	{"mo_j", false, 1.0 / 12, "a_j", false}, {"mo_g", false, 1.0 / 12, "a_g", false}, {"mo", false, 1, "mo_j", false},
	{"t", true, 1e3, "kg", false}, {"bar", true, 1e5, "Pa", false}, {"u", true, 1.6605402e-24, "g", false},
	{"eV", true, 1.60217733e-19, "J", false}, {"pc", true, 3.085678e16, "m", false},
	// natural constants
	{"[c]", true, 299792458, "m/s", false}, {"[h]", true, 6.6260755e-34, "J.s", false},
	{"[k]", true, 1.380658e-23, "J/K", false}, {"[eps_0]", true, 8.854187817e-12, "F/m", false},
	{"[mu_0]", true, 1, "4.[pi].10*-7.N/A2", false}, {"[e]", true, 1.60217733e-19, "C", false},
	{"[m_e]", true, 9.1093897e-28, "g", false}, {"[m_p]", true, 1.6726231e-24, "g", false},
	{"[G]", true, 6.67259e-11, "m3.kg-1.s-2", false}, {"[g]", true, 9.80665, "m/s2", false},
	{"atm", false, 101325, "Pa", false}, {"[ly]", true, 1, "[c].a_j", false}, {"gf", true, 1, "g.[g]", false},
	{"[lbf_av]", false, 1, "[lb_av].[g]", false},
	// CGS
	{"Ky", true, 1, "cm-1", false}, {"Gal", true, 1, "cm/s2", false}, {"dyn", true, 1, "g.cm/s2", false},
	{"erg", true, 1, "dyn.cm", false}, {"P", true, 1, "dyn.s/cm2", false}, {"St", true, 1, "cm2/s", false},
	{"Mx", true, 1e-8, "Wb", false}, {"G", true, 1e-4, "T", false}, {"Oe", true, 250, "/[pi].A/m", false},
	{"Gb", true, 1, "Oe.cm", false}, {"sb", true, 1, "cd/cm2", false}, {"Lmb", true, 1, "cd/cm2/[pi]", false},
	{"ph", true, 1e-4, "lx", false}, {"Ci", true, 3.7e10, "Bq", false}, {"R", true, 2.58e-4, "C/kg", false},
	{"RAD", true, 100, "erg/g", false}, {"REM", true, 1, "RAD", false},
	// international customary
	{"[in_i]", false, 2.54, "cm", false}, {"[ft_i]", false, 12, "[in_i]", false}, {"[yd_i]", false, 3, "[ft_i]", false},
	{"[mi_i]", false, 5280, "[ft_i]", false}, {"[fth_i]", false, 6, "[ft_i]", false}, {"[nmi_i]", false, 1852, "m", false},
	{"[kn_i]", false, 1, "[nmi_i]/h", false}, {"[sin_i]", false, 1, "[in_i]2", false}, {"[sft_i]", false, 1, "[ft_i]2", false},
	{"[syd_i]", false, 1, "[yd_i]2", false}, {"[cin_i]", false, 1, "[in_i]3", false}, {"[cft_i]", false, 1, "[ft_i]3", false},
	{"[cyd_i]", false, 1, "[yd_i]3", false}, {"[bf_i]", false, 144, "[in_i]3", false}, {"[cr_i]", false, 128, "[ft_i]3", false},
	{"[mil_i]", false, 1e-3, "[in_i]", false}, {"[cml_i]", false, 1, "[pi]/4.[mil_i]2", false}, {"[hd_i]", false, 4, "[in_i]", false},
	// US and British volumes
	{"[gal_us]", false, 231, "[in_i]3", false}, {"[bbl_us]", false, 42, "[gal_us]", false}, {"[qt_us]", false, 1.0 / 4, "[gal_us]", false},
	{"[pt_us]", false, 1.0 / 2, "[qt_us]", false}, {"[gil_us]", false, 1.0 / 4, "[pt_us]", false}, {"[foz_us]", false, 1.0 / 4, "[gil_us]", false},
	{"[fdr_us]", false, 1.0 / 8, "[foz_us]", false}, {"[min_us]", false, 1.0 / 60, "[fdr_us]", false}, {"[crd_us]", false, 128, "[ft_i]3", false},
	{"[bu_us]", false, 2150.42, "[in_i]3", false}, {"[gal_wi]", false, 1.0 / 8, "[bu_us]", false}, {"[pk_us]", false, 1.0 / 4, "[bu_us]", false},
	{"[dqt_us]", false, 1.0 / 8, "[pk_us]", false}, {"[dpt_us]", false, 1.0 / 2, "[dqt_us]", false}, {"[tbs_us]", false, 1.0 / 2, "[foz_us]", false},
	{"[tsp_us]", false, 1.0 / 3, "[tbs_us]", false}, {"[cup_us]", false, 16, "[tbs_us]", false}, {"[foz_m]", false, 30, "mL", false},
	{"[cup_m]", false, 240, "mL", false}, {"[tsp_m]", false, 5, "mL", false}, {"[tbs_m]", false, 15, "mL", false},
	{"[gal_br]", false, 4.54609, "l", false}, {"[pk_br]", false, 2, "[gal_br]", false}, {"[bu_br]", false, 4, "[pk_br]", false},
	{"[qt_br]", false, 1.0 / 4, "[gal_br]", false}, {"[pt_br]", false, 1.0 / 2, "[qt_br]", false}, {"[gil_br]", false, 1.0 / 4, "[pt_br]", false},
	{"[foz_br]", false, 1.0 / 5, "[gil_br]", false}, {"[fdr_br]", false, 1.0 / 8, "[foz_br]", false}, {"[min_br]", false, 1.0 / 60, "[fdr_br]", false},
	// avoirdupois, troy, apothecaries
	{"[gr]", false, 64.79891, "mg", false}, {"[lb_av]", false, 7000, "[gr]", false}, {"[oz_av]", false, 1.0 / 16, "[lb_av]", false},
	{"[dr_av]", false, 1.0 / 16, "[oz_av]", false}, {"[scwt_av]", false, 100, "[lb_av]", false}, {"[lcwt_av]", false, 112, "[lb_av]", false},
	{"[ston_av]", false, 20, "[scwt_av]", false}, {"[lton_av]", false, 20, "[lcwt_av]", false}, {"[stone_av]", false, 14, "[lb_av]", false},
	{"[pwt_tr]", false, 24, "[gr]", false}, {"[oz_tr]", false, 20, "[pwt_tr]", false}, {"[lb_tr]", false, 12, "[oz_tr]", false},
	{"[sc_ap]", false, 20, "[gr]", false}, {"[dr_ap]", false, 3, "[sc_ap]", false}, {"[oz_ap]", false, 8, "[dr_ap]", false},
	{"[lb_ap]", false, 12, "[oz_ap]", false}, {"[car_m]", false, 2e-1, "g", false}, {"[car_Au]", false, 1.0 / 24, "1", false},
	// heat
	{"[degF]", false, 5.0 / 9, "K", true}, {"[degR]", false, 5.0 / 9, "K", false}, {"[degRe]", false, 5.0 / 4, "K", true},
	{"cal_[15]", true, 4.1858, "J", false}, {"cal_[20]", true, 4.1819, "J", false}, {"cal_m", true, 4.19002, "J", false},
	{"cal_IT", true, 4.1868, "J", false}, {"cal_th", true, 4.184, "J", false}, {"cal", true, 1, "cal_th", false},
	{"[Cal]", false, 1, "kcal_th", false}, {"[Btu]", false, 1, "[Btu_th]", false}, {"[Btu_th]", false, 1.05435, "kJ", false},
	{"[Btu_IT]", false, 1.05505585262, "kJ", false}, {"[HP]", false, 550, "[ft_i].[lbf_av]/s", false},
	// clinical
	{"m[H2O]", true, 9.80665, "kPa", false}, {"m[Hg]", true, 133.322, "kPa", false},
	{"[in_i'H2O]", false, 1, "m[H2O].[in_i]/m", false}, {"[in_i'Hg]", false, 1, "m[Hg].[in_i]/m", false},
	{"[PRU]", false, 1, "mm[Hg].s/ml", false}, {"[wood'U]", false, 1, "mm[Hg].min/L", false},
	{"[diop]", false, 1, "/m", false}, {"[p'diop]", false, 100, "1", true}, {"%[slope]", false, 100, "1", true},
	{"[mesh_i]", false, 1, "/[in_i]", false}, {"[Ch]", false, 1, "mm/3", false}, {"[drp]", false, 1, "ml/20", false},
	{"[hnsf'U]", false, 1, arb, false}, {"[MET]", false, 3.5, "mL/min/kg", false},
	{"[hp'_X]", false, 1, "1", true}, {"[hp'_C]", false, 1, "1", true}, {"[hp'_M]", false, 1, "1", true}, {"[hp'_Q]", false, 1, "1", true},
	{"[hp_X]", false, 1, arb, false}, {"[hp_C]", false, 1, arb, false}, {"[hp_M]", false, 1, arb, false}, {"[hp_Q]", false, 1, arb, false},
	{"[kp_X]", false, 1, arb, false}, {"[kp_C]", false, 1, arb, false}, {"[kp_M]", false, 1, arb, false}, {"[kp_Q]", false, 1, arb, false},
	{"eq", true, 1, "mol", false}, {"osm", true, 1, "mol", false}, {"[pH]", false, 1, "mol/l", true}, {"g%", true, 1, "g/dl", false},
	{"[S]", false, 1e-13, "s", false}, {"[HPF]", false, 1, "1", false}, {"[LPF]", false, 100, "1", false},
	{"kat", true, 1, "mol/s", false}, {"U", true, 1, "umol/min", false},
	{"[iU]", true, 1, arb, false}, {"[IU]", true, 1, "[iU]", false}, {"[arb'U]", false, 1, arb, false},
	{"[USP'U]", false, 1, arb, false}, {"[GPL'U]", false, 1, arb, false}, {"[MPL'U]", false, 1, arb, false},
	{"[APL'U]", false, 1, arb, false}, {"[beth'U]", false, 1, arb, false}, {"[anti'Xa'U]", false, 1, arb, false},
	{"[todd'U]", false, 1, arb, false}, {"[dye'U]", false, 1, arb, false}, {"[smgy'U]", false, 1, arb, false},
	{"[bdsk'U]", false, 1, arb, false}, {"[ka'U]", false, 1, arb, false}, {"[knk'U]", false, 1, arb, false},
	{"[mclg'U]", false, 1, arb, false}, {"[tb'U]", false, 1, arb, false}, {"[CCID_50]", false, 1, arb, false},
	{"[TCID_50]", false, 1, arb, false}, {"[EID_50]", false, 1, arb, false}, {"[PFU]", false, 1, arb, false},
	{"[FFU]", false, 1, arb, false}, {"[CFU]", false, 1, arb, false}, {"[IR]", false, 1, arb, false},
	{"[BAU]", false, 1, arb, false}, {"[AU]", false, 1, arb, false}, {"[Amb'a'1'U]", false, 1, arb, false},
	{"[PNU]", false, 1, arb, false}, {"[Lf]", false, 1, arb, false}, {"[D'ag'U]", false, 1, arb, false},
	{"[FEU]", false, 1, arb, false}, {"[ELU]", false, 1, arb, false}, {"[EU]", false, 1, arb, false},
	// levels
	{"Np", true, 1, "1", true}, {"B", true, 1, "1", true}, {"B[SPL]", true, 1, "1", true}, {"B[V]", true, 1, "1", true},
	{"B[mV]", true, 1, "1", true}, {"B[uV]", true, 1, "1", true}, {"B[10.nV]", true, 1, "1", true}, {"B[W]", true, 1, "1", true},
	{"B[kW]", true, 1, "1", true},
	// information technology
	{"st", true, 1, "m3", false}, {"mho", true, 1, "S", false}, {"Bd", true, 1, "/s", false},
	{"bit_s", false, 1, "1", true}, {"bit", true, 1, "1", false}, {"By", true, 8, "bit", false},
	// miscellaneous
	{"[smoot]", false, 67, "[in_i]", false}, {"[psi]", false, 1, "[lbf_av]/[in_i]2", false},
	{"Ao", false, 0.1, "nm", false}, {"b", false, 100, "fm2", false}, {"att", false, 1, "kgf/cm2", false},
	{"circ", false, 2, "[pi].rad", false}, {"sph", false, 4, "[pi].sr", false}, {"AU", false, 149597.870691, "Mm", false},
	{"[rch_us]", false, 1, "[lk_us]", false}, {"[lk_us]", false, 1.0 / 100, "[ch_us]", false}, {"[ch_us]", false, 4, "[rd_us]", false},
	{"[rd_us]", false, 16.5, "[ft_us]", false}, {"[ft_us]", false, 1200, "m/3937", false}, {"[in_us]", false, 1.0 / 12, "[ft_us]", false},
	{"[mi_us]", false, 8, "[fur_us]", false}, {"[fur_us]", false, 40, "[rd_us]", false}, {"[acr_us]", false, 160, "[rd_us]2", false},
	{"[acr_br]", false, 4840, "[yd_i]2", false}, {"[yd_us]", false, 3, "[ft_us]", false},
	{"[srd_us]", false, 1, "[rd_us]2", false}, {"[smi_us]", false, 1, "[mi_us]2", false}, {"[sct]", false, 1, "[mi_us]2", false},
	{"[twp]", false, 36, "[sct]", false}, {"[mil_us]", false, 1e-3, "[in_us]", false}, {"[fth_us]", false, 6, "[ft_us]", false},
	{"[rlk_us]", false, 100, "[ft_us]", false},
	// British imperial lengths
	{"[in_br]", false, 2.539998, "cm", false}, {"[ft_br]", false, 12, "[in_br]", false}, {"[rd_br]", false, 16.5, "[ft_br]", false},
	{"[ch_br]", false, 4, "[rd_br]", false}, {"[lk_br]", false, 1.0 / 100, "[ch_br]", false}, {"[fth_br]", false, 6, "[ft_br]", false},
	{"[pc_br]", false, 2.5, "[ft_br]", false}, {"[yd_br]", false, 3, "[ft_br]", false}, {"[mi_br]", false, 5280, "[ft_br]", false},
	{"[nmi_br]", false, 6080, "[ft_br]", false}, {"[kn_br]", false, 1, "[nmi_br]/h", false},
	// typography
	{"[lne]", false, 1.0 / 12, "[in_i]", false}, {"[pnt]", false, 1.0 / 6, "[lne]", false}, {"[pca]", false, 12, "[pnt]", false},
	{"[pnt_pr]", false, 0.013837, "[in_i]", false}, {"[pca_pr]", false, 12, "[pnt_pr]", false}, {"[pied]", false, 32.48, "cm", false},
	{"[pouce]", false, 1.0 / 12, "[pied]", false}, {"[ligne]", false, 1.0 / 12, "[pouce]", false}, {"[didot]", false, 1.0 / 6, "[ligne]", false},
	{"[cicero]", false, 12, "[didot]", false},
	// more heat and textile units
	{"[Btu_39]", false, 1.05967, "kJ", false}, {"[Btu_59]", false, 1.05480, "kJ", false}, {"[Btu_60]", false, 1.05468, "kJ", false},
	{"[Btu_m]", false, 1.05587, "kJ", false}, {"Bi", true, 10, "A", false}, {"tex", true, 1, "g/km", false},
	{"[den]", false, 1, "g/9/km", false},
}
