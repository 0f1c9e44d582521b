//! The A64 decode table.
//!
//! Every encoding is one row of [`TABLE`]: its bit pattern as written in the
//! Arm Architecture Reference Manual (`0`/`1` fixed, `x` don't care; spaces
//! are ignored), its name as in the manual, the translate function it calls
//! and the capstone mnemonics it may print as (used by the decoder agreement
//! test). Fields are read through the typed accessors of [`Insn`].
//!
//! Matching: the table is scanned in order and the first matching row wins,
//! so where rows overlap the more specific one is listed first (e.g.
//! `SIMD_modimm`, whose immh field is zero, before `SIMD_shift`, and
//! `SIMD_perm` before `SIMD_tbl`). Aliases (`mov`, `cmp`, `lsl`, ...) are
//! not rows: the base encoding's row lists their mnemonics. To make lookup
//! fast, [`decode`] scans only the rows that can match the instruction's
//! bits \[28:21\] (a 256-entry index built once on first use).

use crate::translate::{Ctx, Undef, branch, dp_imm, dp_reg, ldst, simd_fp};
use xlat_ir::decode::Decoder;

/// A translate function: emits the IR of one instruction, or reports an
/// unallocated/reserved sub-encoding.
pub type TranslateFn = fn(&mut Ctx<'_>, Insn) -> Result<(), Undef>;

xlat_ir::insn_word! {
/// A 32-bit A64 instruction word with typed field accessors.
pub struct Insn;
/// Rd / Rt, bits \[4:0\].
rd: 4..0;
/// Rt, bits \[4:0\] (same field as Rd, named as in load/store encodings).
rt: 4..0;
/// Rn, bits \[9:5\].
rn: 9..5;
/// Rm, bits \[20:16\].
rm: 20..16;
/// Rs (status register of store-exclusive), bits \[20:16\].
rs: 20..16;
/// Ra, bits \[14:10\].
ra: 14..10;
/// Rt2, bits \[14:10\].
rt2: 14..10;
/// sf (64-bit operation), bit 31.
sf: 31..31;
/// op, bit 30.
op30: 30..30;
/// S (set flags), bit 29.
s29: 29..29;
/// imm12, bits \[21:10\].
imm12: 21..10;
/// sh (shift imm12 by 12), bit 22.
sh22: 22..22;
/// N of logical/bitfield immediates, bit 22.
n22: 22..22;
/// immr, bits \[21:16\].
immr: 21..16;
/// imms, bits \[15:10\].
imms: 15..10;
/// hw, bits \[22:21\].
hw: 22..21;
/// imm16, bits \[20:5\].
imm16: 20..5;
/// opc of move wide / logical, bits \[30:29\].
opc29: 30..29;
/// shift type, bits \[23:22\].
shift: 23..22;
/// N of logical shifted register, bit 21.
n21: 21..21;
/// imm6, bits \[15:10\].
imm6: 15..10;
/// option (extend type), bits \[15:13\].
option: 15..13;
/// imm3, bits \[12:10\].
imm3: 12..10;
/// cond of CSEL/CCMP/FCSEL, bits \[15:12\].
cond12: 15..12;
/// cond of B.cond, bits \[3:0\].
cond0: 3..0;
/// nzcv of CCMP, bits \[3:0\].
nzcv: 3..0;
/// imm5 of CCMP and SIMD copies, bits \[20:16\].
imm5: 20..16;
/// op2 of CSEL, bits \[11:10\].
op2_10: 11..10;
/// o0 of 3-source data processing, bit 15.
o15: 15..15;
/// opcode of 2-source data processing, bits \[15:10\].
opcode10: 15..10;
/// immlo of ADR, bits \[30:29\].
immlo: 30..29;
/// immhi of ADR, bits \[23:5\].
immhi: 23..5;
/// imm26, bits \[25:0\].
imm26: 25..0;
/// imm19, bits \[23:5\].
imm19: 23..5;
/// imm14, bits \[18:5\].
imm14: 18..5;
/// b5 of TBZ, bit 31.
b5: 31..31;
/// b40 of TBZ, bits \[23:19\].
b40: 23..19;
/// op of CBZ/TBZ (nonzero variant), bit 24.
op24: 24..24;
/// size of loads/stores, bits \[31:30\].
size: 31..30;
/// opc of loads/stores, bits \[23:22\].
opc22: 23..22;
/// opc of load/store pair and literal, bits \[31:30\].
opc30: 31..30;
/// V (SIMD&FP register), bit 26.
v26: 26..26;
/// L (load), bit 22.
l22: 22..22;
/// imm9, bits \[20:12\].
imm9: 20..12;
/// imm7, bits \[21:15\].
imm7: 21..15;
/// S of register-offset loads/stores (scale the index), bit 12.
s12: 12..12;
/// o2 of exclusives, bit 23.
o23: 23..23;
/// o1 of exclusives, bit 21.
o21: 21..21;
/// L of system register moves, bit 21.
l21: 21..21;
/// op0 of system instructions, bits \[20:19\].
op0: 20..19;
/// op1 of system instructions, bits \[18:16\].
op1: 18..16;
/// CRn, bits \[15:12\].
crn: 15..12;
/// CRm, bits \[11:8\].
crm: 11..8;
/// op2 of system instructions, bits \[7:5\].
op2: 7..5;
/// Q (128-bit vector), bit 30.
q: 30..30;
/// U, bit 29.
u: 29..29;
/// size of SIMD data processing, bits \[23:22\].
vsize: 23..22;
/// opcode of SIMD three-same, bits \[15:11\].
opcode11: 15..11;
/// opcode of SIMD two-register misc and across lanes, bits \[16:12\].
opcode12: 16..12;
/// immh, bits \[22:19\].
immh: 22..19;
/// immb, bits \[18:16\].
immb: 18..16;
/// imm4 of EXT/INS, bits \[14:11\].
imm4: 14..11;
/// cmode, bits \[15:12\].
cmode: 15..12;
/// abc of SIMD modified immediate, bits \[18:16\].
abc: 18..16;
/// defgh of SIMD modified immediate, bits \[9:5\].
defgh: 9..5;
/// ftype of scalar FP, bits \[23:22\].
ftype: 23..22;
/// rmode of FP/integer conversions, bits \[20:19\].
rmode: 20..19;
/// opcode of FP/integer conversions, bits \[18:16\].
fopcode: 18..16;
/// imm8 of FMOV (scalar, immediate), bits \[20:13\].
imm8: 20..13;
/// opcode of SIMD load/store multiple, bits \[15:12\].
ldst_opcode: 15..12;
/// size of SIMD load/store multiple, bits \[11:10\].
ldst_size: 11..10;
/// len of TBL, bits \[14:13\].
tbl_len: 14..13;}

/// One decode table row.
pub type Row = xlat_ir::decode::Row<TranslateFn>;

xlat_ir::decode_table! {
    /// The decode table, in priority order.
    pub static TABLE: [TranslateFn];
    // ---- Data Processing -- Immediate ----
    ADR          "0xx10000 xxxxxxxx xxxxxxxx xxxxxxxx" => dp_imm::adr, "adr";
    ADRP         "1xx10000 xxxxxxxx xxxxxxxx xxxxxxxx" => dp_imm::adr, "adrp";
    ADD_SUB_imm  "xxx10001 0xxxxxxx xxxxxxxx xxxxxxxx" => dp_imm::add_sub_imm, "add adds sub subs mov cmp cmn";
    LOG_imm      "xxx10010 0xxxxxxx xxxxxxxx xxxxxxxx" => dp_imm::logical_imm, "and orr eor ands tst mov";
    MOVE_wide    "xxx10010 1xxxxxxx xxxxxxxx xxxxxxxx" => dp_imm::move_wide, "movn movz movk mov";
    BITFIELD     "xxx10011 0xxxxxxx xxxxxxxx xxxxxxxx" => dp_imm::bitfield, "sbfm bfm ubfm asr lsl lsr sbfiz sbfx bfi bfxil ubfiz ubfx sxtb sxth sxtw uxtb uxth bfc";
    EXTR         "x0010011 1x0xxxxx xxxxxxxx xxxxxxxx" => dp_imm::extr, "extr ror";
    // ---- Branches, Exception Generating and System instructions ----
    B            "000101xx xxxxxxxx xxxxxxxx xxxxxxxx" => branch::b, "b";
    BL           "100101xx xxxxxxxx xxxxxxxx xxxxxxxx" => branch::b, "bl";
    CBZ_CBNZ     "x011010x xxxxxxxx xxxxxxxx xxxxxxxx" => branch::cbz, "cbz cbnz";
    TBZ_TBNZ     "x011011x xxxxxxxx xxxxxxxx xxxxxxxx" => branch::tbz, "tbz tbnz";
    B_cond       "01010100 xxxxxxxx xxxxxxxx xxx0xxxx" => branch::b_cond, "b";
    BR_BLR_RET   "1101011 00xx 11111 000000 xxxxx 00000" => branch::br, "br blr ret";
    BR_PAC       "1101011 x0xx 11111 00001x xxxxx xxxxx" => branch::br_pac, "braa brab blraa blrab braaz brabz blraaz blrabz retaa retab";
    SVC          "11010100 000xxxxx xxxxxxxx xxx00001" => branch::svc, "svc";
    HVC_SMC      "11010100 000xxxxx xxxxxxxx xxx0001x" => branch::undefined_insn, "hvc smc";
    BRK          "11010100 001xxxxx xxxxxxxx xxx00000" => branch::brk, "brk";
    HLT          "11010100 010xxxxx xxxxxxxx xxx00000" => branch::undefined_insn, "hlt";
    DCPS         "11010100 101xxxxx xxxxxxxx xxx000xx" => branch::dcps, "dcps1 dcps2 dcps3";
    UDF          "00000000 00000000 xxxxxxxx xxxxxxxx" => branch::undefined_insn, "udf";
    HINT         "11010101 00000011 0010xxxx xxx11111" => branch::hint, "nop yield wfe wfi sev sevl hint bti paciasp pacibsp autiasp autibsp xpaclri pacia1716 pacib1716 autia1716 autib1716 paciaz pacibz autiaz autibz esb psb csdb dgh tsb clrbhb";
    BARRIERS     "11010101 00000011 0011xxxx xxx11111" => branch::barrier, "clrex dsb dmb isb sb ssbb pssbb dfb";
    MSR_imm      "11010101 00000xxx 0100xxxx xxx11111" => branch::msr_imm, "msr cfinv xaflag axflag";
    SYS          "11010101 00001xxx xxxxxxxx xxxxxxxx" => branch::sys, "sys dc ic";
    MSR_reg      "11010101 00011xxx xxxxxxxx xxxxxxxx" => branch::msr_reg, "msr";
    MRS          "11010101 00111xxx xxxxxxxx xxxxxxxx" => branch::mrs, "mrs";
    // ---- Data Processing -- Register ----
    LOG_shift    "xxx01010 xxxxxxxx xxxxxxxx xxxxxxxx" => dp_reg::logical_shifted, "and bic orr orn eor eon ands bics mov mvn tst";
    ADD_SUB_shift "xxx01011 xx0xxxxx xxxxxxxx xxxxxxxx" => dp_reg::add_sub_shifted, "add adds sub subs cmp cmn neg negs";
    ADD_SUB_ext  "xxx01011 001xxxxx xxxxxxxx xxxxxxxx" => dp_reg::add_sub_ext, "add adds sub subs cmp cmn mov";
    ADC_SBC      "xxx11010 000xxxxx 000000xx xxxxxxxx" => dp_reg::adc_sbc, "adc adcs sbc sbcs ngc ngcs";
    RMIF         "10111010 000xxxxx x00001xx xxx0xxxx" => dp_reg::rmif, "rmif";
    SETF         "00111010 00000000 0x0010xx xxx01101" => dp_reg::setf, "setf8 setf16";
    CCMP_reg     "xx111010 010xxxxx xxxx00xx xxx0xxxx" => dp_reg::ccmp, "ccmp ccmn";
    CCMP_imm     "xx111010 010xxxxx xxxx10xx xxx0xxxx" => dp_reg::ccmp, "ccmp ccmn";
    CSEL         "xx011010 100xxxxx xxxx0xxx xxxxxxxx" => dp_reg::csel, "csel csinc csinv csneg cset csetm cinc cinv cneg";
    DP_2src      "x0011010 110xxxxx 0xxxxxxx xxxxxxxx" => dp_reg::dp_2src, "udiv sdiv lslv lsrv asrv rorv lsl lsr asr ror crc32b crc32h crc32w crc32x crc32cb crc32ch crc32cw crc32cx pacga";
    DP_1src      "x1011010 11000000 00xxxxxx xxxxxxxx" => dp_reg::dp_1src, "rbit rev16 rev32 rev clz cls";
    PAC_1src     "11011010 11000001 0xxxxxxx xxxxxxxx" => dp_reg::pac_1src, "pacia pacib pacda pacdb autia autib autda autdb paciza pacizb pacdza pacdzb autiza autizb autdza autdzb xpaci xpacd";
    DP_3src      "x0011011 xxxxxxxx xxxxxxxx xxxxxxxx" => dp_reg::dp_3src, "madd msub mul mneg smaddl smsubl smull smnegl smulh umaddl umsubl umull umnegl umulh";
    // ---- Loads and Stores ----
    LDST_excl    "xx001000 xxxxxxxx xxxxxxxx xxxxxxxx" => ldst::exclusive, "cas casa casl casal casb casab caslb casalb cash casah caslh casalh casp caspa caspl caspal stxr stlxr ldxr ldaxr stxp stlxp ldxp ldaxp stllr stlr ldlar ldar stllrb stlrb ldlarb ldarb stllrh stlrh ldlarh ldarh stxrb stlxrb ldxrb ldaxrb stxrh stlxrh ldxrh ldaxrh";
    LDR_lit      "xx011x00 xxxxxxxx xxxxxxxx xxxxxxxx" => ldst::literal, "ldr ldrsw prfm";
    LDST_rcpc    "xx011001 xx0xxxxx xxxx00xx xxxxxxxx" => ldst::rcpc_unscaled, "stlurb stlurh stlur ldapurb ldapurh ldapur ldapursb ldapursh ldapursw";
    LDST_pair    "xx101x0x xxxxxxxx xxxxxxxx xxxxxxxx" => ldst::pair, "ldp stp ldpsw ldnp stnp";
    LDST_uimm    "xx111x01 xxxxxxxx xxxxxxxx xxxxxxxx" => ldst::imm_unsigned, "ldr str ldrb strb ldrh strh ldrsb ldrsh ldrsw prfm";
    LDST_unscaled "xx111x00 xx0xxxxx xxxx00xx xxxxxxxx" => ldst::imm9, "ldur stur ldurb sturb ldurh sturh ldursb ldursh ldursw prfum";
    LDST_post    "xx111x00 xx0xxxxx xxxx01xx xxxxxxxx" => ldst::imm9, "ldr str ldrb strb ldrh strh ldrsb ldrsh ldrsw";
    LDST_unpriv  "xx111000 xx0xxxxx xxxx10xx xxxxxxxx" => ldst::imm9, "ldtr sttr ldtrb sttrb ldtrh sttrh ldtrsb ldtrsh ldtrsw";
    LDST_pre     "xx111x00 xx0xxxxx xxxx11xx xxxxxxxx" => ldst::imm9, "ldr str ldrb strb ldrh strh ldrsb ldrsh ldrsw";
    LDST_atomic  "xx111000 xx1xxxxx xxxx00xx xxxxxxxx" => ldst::atomic_op, "ldadd ldadda ldaddl ldaddal ldaddb ldaddab ldaddlb ldaddalb ldaddh ldaddah ldaddlh ldaddalh stadd staddl staddb staddlb staddh staddlh ldclr ldclra ldclrl ldclral ldclrb ldclrab ldclrlb ldclralb ldclrh ldclrah ldclrlh ldclralh stclr stclrl stclrb stclrlb stclrh stclrlh ldeor ldeora ldeorl ldeoral ldeorb ldeorab ldeorlb ldeoralb ldeorh ldeorah ldeorlh ldeoralh steor steorl steorb steorlb steorh steorlh ldset ldseta ldsetl ldsetal ldsetb ldsetab ldsetlb ldsetalb ldseth ldsetah ldsetlh ldsetalh stset stsetl stsetb stsetlb stseth stsetlh ldsmax ldsmaxa ldsmaxl ldsmaxal ldsmaxb ldsmaxab ldsmaxlb ldsmaxalb ldsmaxh ldsmaxah ldsmaxlh ldsmaxalh stsmax stsmaxl stsmaxb stsmaxlb stsmaxh stsmaxlh ldsmin ldsmina ldsminl ldsminal ldsminb ldsminab ldsminlb ldsminalb ldsminh ldsminah ldsminlh ldsminalh stsmin stsminl stsminb stsminlb stsminh stsminlh ldumax ldumaxa ldumaxl ldumaxal ldumaxb ldumaxab ldumaxlb ldumaxalb ldumaxh ldumaxah ldumaxlh ldumaxalh stumax stumaxl stumaxb stumaxlb stumaxh stumaxlh ldumin ldumina lduminl lduminal lduminb lduminab lduminlb lduminalb ldumin lduminah lduminlh lduminalh lduminh stumin stuminl stuminb stuminlb stuminh stuminlh swp swpa swpl swpal swpb swpab swplb swpalb swph swpah swplh swpalh ldapr ldaprb ldaprh";
    LDST_reg     "xx111x00 xx1xxxxx xxxx10xx xxxxxxxx" => ldst::reg_offset, "ldr str ldrb strb ldrh strh ldrsb ldrsh ldrsw prfm";
    LDRA         "11111000 xx1xxxxx xxxxx1xx xxxxxxxx" => ldst::ldra, "ldraa ldrab";
    LDST_simd_multi "0x001100 0x000000 xxxxxxxx xxxxxxxx" => ldst::simd_struct, "ld1 st1 ld2 st2 ld3 st3 ld4 st4";
    LDST_simd_multi_post "0x001100 1x0xxxxx xxxxxxxx xxxxxxxx" => ldst::simd_struct, "ld1 st1 ld2 st2 ld3 st3 ld4 st4";
    LDST_simd_single "0x001101 0xx00000 xxxxxxxx xxxxxxxx" => ldst::simd_struct, "ld1 st1 ld2 st2 ld3 st3 ld4 st4 ld1r ld2r ld3r ld4r";
    LDST_simd_single_post "0x001101 1xxxxxxx xxxxxxxx xxxxxxxx" => ldst::simd_struct, "ld1 st1 ld2 st2 ld3 st3 ld4 st4 ld1r ld2r ld3r ld4r";
    // ---- Data Processing -- Scalar Floating-Point and Advanced SIMD ----
    CRYPTO_aes   "01001110 xx10100x xxxx10xx xxxxxxxx" => simd_fp::crypto, "aese aesd aesmc aesimc";
    CRYPTO_sha3  "01011110 xx0xxxxx 0xxx00xx xxxxxxxx" => simd_fp::crypto, "sha1c sha1p sha1m sha1su0 sha256h sha256h2 sha256su1";
    CRYPTO_sha2  "01011110 xx10100x xxxx10xx xxxxxxxx" => simd_fp::crypto, "sha1h sha1su1 sha256su0";
    CRYPTO_sha512_3 "11001110 011xxxxx 1x00xxxx xxxxxxxx" => simd_fp::crypto, "sha512h sha512h2 sha512su1 rax1 sm3partw1 sm3partw2 sm4ekey";
    CRYPTO_4reg  "11001110 0xxxxxxx 0xxxxxxx xxxxxxxx" => simd_fp::crypto, "eor3 bcax sm3ss1";
    CRYPTO_sm3tt "11001110 010xxxxx 10xxxxxx xxxxxxxx" => simd_fp::crypto, "sm3tt1a sm3tt1b sm3tt2a sm3tt2b";
    CRYPTO_xar   "11001110 100xxxxx xxxxxxxx xxxxxxxx" => simd_fp::crypto, "xar";
    CRYPTO_sha512_2 "11001110 11000000 1000xxxx xxxxxxxx" => simd_fp::crypto, "sha512su0 sm4e";
    SIMD_modimm  "0xx01111 00000xxx xxxx01xx xxxxxxxx" => simd_fp::mod_imm, "movi mvni orr bic fmov";
    SIMD_copy    "0xx01110 000xxxxx 0xxxx1xx xxxxxxxx" => simd_fp::copy, "dup ins umov smov mov";
    SIMD_3same_fp16 "0xx01110 x10xxxxx 00xxx1xx xxxxxxxx" => simd_fp::asimd, "fmaxnm fmla fadd fmulx fcmeq fmax frecps fminnm fmls fsub fmin frsqrts fmaxnmp faddp fmul fcmge facge fmaxp fdiv fminnmp fabd fcmgt facgt fminp";
    SIMD_2misc_fp16 "0xx01110 x111100x xxxx10xx xxxxxxxx" => simd_fp::asimd, "frintn frintm fcvtns fcvtms fcvtas scvtf fcmgt fcmeq fcmlt fabs frintp frintz fcvtps fcvtzs frecpe frinta frintx fcvtnu fcvtmu fcvtau ucvtf fcmge fcmle fneg frinti fcvtpu fcvtzu frsqrte fsqrt";
    SIMD_3same_extra "0xx01110 xx0xxxxx 1xxxx1xx xxxxxxxx" => simd_fp::asimd, "sqrdmlah sqrdmlsh sdot udot usdot smmla ummla usmmla fcmla fcadd bfmmla bfdot bfmlalb bfmlalt";
    SIMD_3same   "0xx01110 xx1xxxxx xxxxx1xx xxxxxxxx" => simd_fp::three_same_all, "and bic orr orn eor bsl bit bif mov add sub cmeq cmtst cmhi cmhs cmgt cmge addp umaxp uminp smaxp sminp umax umin smax smin sshl ushl shadd uhadd sqadd uqadd srhadd urhadd shsub uhsub sqsub uqsub sqshl uqshl srshl urshl sqrshl uqrshl sabd uabd saba uaba mla mls mul pmul sqdmulh sqrdmulh fmaxnm fmla fadd fmulx fcmeq fmax frecps fminnm fmls fsub fmin frsqrts fmaxnmp faddp fmul fcmge facge fmaxp fdiv fminnmp fabd fcmgt facgt fminp fmlal fmlal2 fmlsl fmlsl2";
    SIMD_3diff   "0xx01110 xx1xxxxx xxxx00xx xxxxxxxx" => simd_fp::three_diff_all, "uaddl uaddw saddl saddw usubl usubw ssubl ssubw umull smull uaddl2 uaddw2 saddl2 saddw2 usubl2 usubw2 ssubl2 ssubw2 umull2 smull2 addhn addhn2 raddhn raddhn2 subhn subhn2 rsubhn rsubhn2 sabal sabal2 uabal uabal2 sabdl sabdl2 uabdl uabdl2 smlal smlal2 umlal umlal2 smlsl smlsl2 umlsl umlsl2 sqdmlal sqdmlal2 sqdmlsl sqdmlsl2 sqdmull sqdmull2 pmull pmull2";
    SIMD_2misc   "0xx01110 xx10000x xxxx10xx xxxxxxxx" => simd_fp::two_misc_all, "rev64 rev32 rev16 cnt not mvn rbit cmeq cmge cmgt cmle cmlt xtn xtn2 abs neg saddlp uaddlp sadalp uadalp suqadd usqadd cls clz sqabs sqneg sqxtn sqxtn2 uqxtn uqxtn2 sqxtun sqxtun2 shll shll2 fcvtn fcvtn2 fcvtxn fcvtxn2 fcvtl fcvtl2 bfcvtn bfcvtn2 frintn frintm fcvtns fcvtms fcvtas scvtf fcmgt fcmeq fcmlt fabs frintp frintz fcvtps fcvtzs frecpe urecpe frinta frintx fcvtnu fcvtmu fcvtau ucvtf fcmge fcmle fneg frinti fcvtpu fcvtzu frsqrte ursqrte fsqrt frint32z frint32x frint64z frint64x";
    SIMD_scalar_copy "01011110 000xxxxx 0xxxx1xx xxxxxxxx" => simd_fp::scalar_copy, "dup mov";
    SIMD_scalar_3same_fp16 "01x11110 x10xxxxx 00xxx1xx xxxxxxxx" => simd_fp::asimd, "fmulx fcmeq frecps frsqrts fcmge facge fabd fcmgt facgt";
    SIMD_scalar_2misc_fp16 "01x11110 x111100x xxxx10xx xxxxxxxx" => simd_fp::asimd, "fcvtns fcvtms fcvtas scvtf fcmgt fcmeq fcmlt fcvtps fcvtzs frecpe frecpx fcvtnu fcvtmu fcvtau ucvtf fcmge fcmle fcvtpu fcvtzu frsqrte";
    SIMD_scalar_3same_extra "01x11110 xx0xxxxx 1xxxx1xx xxxxxxxx" => simd_fp::asimd, "sqrdmlah sqrdmlsh";
    SIMD_scalar_pair "01x11110 xx11000x xxxx10xx xxxxxxxx" => simd_fp::scalar_pairwise_all, "addp fmaxnmp faddp fmaxp fminnmp fminp";
    SIMD_scalar_2misc "01x11110 xx10000x xxxx10xx xxxxxxxx" => simd_fp::scalar_two_misc_all, "cmgt cmge cmeq cmle cmlt scvtf ucvtf suqadd usqadd sqabs sqneg abs neg sqxtn uqxtn sqxtun fcvtxn fcvtns fcvtms fcvtas fcmgt fcmeq fcmlt fcvtps fcvtzs frecpe frecpx fcvtnu fcvtmu fcvtau fcmge fcmle fcvtpu fcvtzu frsqrte";
    SIMD_scalar_3diff "01x11110 xx1xxxxx xxxx00xx xxxxxxxx" => simd_fp::asimd, "sqdmlal sqdmlsl sqdmull";
    SIMD_scalar_3same "01x11110 xx1xxxxx xxxxx1xx xxxxxxxx" => simd_fp::scalar_three_same_all, "sqadd uqadd sqsub uqsub cmgt cmhi cmge cmhs sshl ushl sqshl uqshl srshl urshl sqrshl uqrshl add sub cmtst cmeq sqdmulh sqrdmulh fmulx fcmeq frecps frsqrts fcmge facge fabd fcmgt facgt";
    SIMD_scalar_shift "01x11111 0xxxxxxx xxxxx1xx xxxxxxxx" => simd_fp::asimd, "sshr ssra srshr srsra shl sqshl sqshrn sqrshrn scvtf fcvtzs ushr usra urshr ursra sri sli sqshlu uqshl sqshrun sqrshrun uqshrn uqrshrn ucvtf fcvtzu";
    SIMD_scalar_elem "01x11111 xxxxxxxx xxxxx0xx xxxxxxxx" => simd_fp::elem_all, "fmla fmls fmul fmulx sqdmlal sqdmlsl sqdmull sqdmulh sqrdmulh sqrdmlah sqrdmlsh";
    SIMD_across  "0xx01110 xx11000x xxxx10xx xxxxxxxx" => simd_fp::across_all, "addv umaxv uminv smaxv sminv uaddlv saddlv fmaxnmv fminnmv fmaxv fminv";
    SIMD_shift   "0xx01111 0xxxxxxx xxxxx1xx xxxxxxxx" => simd_fp::shift_imm_all, "sshr ushr shl shrn shrn2 sshll ushll sshll2 ushll2 uxtl sxtl uxtl2 sxtl2 usra ssra sli sri srshr urshr srsra ursra sqshl uqshl sqshlu rshrn rshrn2 sqshrn sqshrn2 sqrshrn sqrshrn2 sqshrun sqshrun2 sqrshrun sqrshrun2 uqshrn uqshrn2 uqrshrn uqrshrn2 scvtf ucvtf fcvtzs fcvtzu fmov";
    SIMD_elem    "0xx01111 xxxxxxxx xxxxx0xx xxxxxxxx" => simd_fp::elem_all, "fmla fmls fmul fmulx mul mla mls smlal smlal2 umlal umlal2 smlsl smlsl2 umlsl umlsl2 smull smull2 umull umull2 sqdmlal sqdmlal2 sqdmlsl sqdmlsl2 sqdmull sqdmull2 sqdmulh sqrdmulh sqrdmlah sqrdmlsh sdot udot sudot usdot bfdot bfmlalb bfmlalt fcmla fmlal fmlal2 fmlsl fmlsl2";
    SIMD_perm    "0x001110 xx0xxxxx 0xxx10xx xxxxxxxx" => simd_fp::permute, "uzp1 uzp2 trn1 trn2 zip1 zip2";
    SIMD_ext     "0x101110 xx0xxxxx 0xxxx0xx xxxxxxxx" => simd_fp::ext, "ext";
    SIMD_tbl     "0x001110 xx0xxxxx 0xxx00xx xxxxxxxx" => simd_fp::tbl, "tbl tbx";
    FP_mov_gen   "x0011110 xx1xxxxx 000000xx xxxxxxxx" => simd_fp::fp_int_conv, "fmov scvtf ucvtf fcvtzs fcvtzu fcvtns fcvtnu fcvtps fcvtpu fcvtms fcvtmu fcvtas fcvtau fjcvtzs";
    FP_fixed     "x0011110 xx0xxxxx xxxxxxxx xxxxxxxx" => simd_fp::fp_fixed, "scvtf ucvtf fcvtzs fcvtzu";
    FP_ccmp      "00011110 xx1xxxxx xxxx01xx xxxxxxxx" => simd_fp::fp_ccmp, "fccmp fccmpe";
    FP_1src      "00011110 xx1xxxxx x10000xx xxxxxxxx" => simd_fp::fp_1src, "fmov fabs fneg fsqrt fcvt frintn frintp frintm frintz frinta frintx frinti bfcvt frint32x frint32z frint64x frint64z";
    FP_cmp       "00011110 xx1xxxxx xx1000xx xxxxxxxx" => simd_fp::fp_cmp, "fcmp fcmpe";
    FP_imm       "00011110 xx1xxxxx xxx100xx xxxxxxxx" => simd_fp::fp_imm, "fmov";
    FP_2src      "00011110 xx1xxxxx xxxx10xx xxxxxxxx" => simd_fp::fp_2src, "fmul fdiv fadd fsub fmax fmin fmaxnm fminnm fnmul";
    FP_csel      "00011110 xx1xxxxx xxxx11xx xxxxxxxx" => simd_fp::fp_csel, "fcsel";
    FP_3src      "00011111 xxxxxxxx xxxxxxxx xxxxxxxx" => simd_fp::fp_3src, "fmadd fmsub fnmadd fnmsub";
}

/// The decoder: rows indexed by bits \[28:21\].
static DECODER: Decoder<TranslateFn> = Decoder::new(TABLE, &[(28, 21)]);

/// Finds the first row matching `insn`, or `None` (unallocated).
pub fn decode(insn: Insn) -> Option<&'static Row> {
    DECODER.decode(insn.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_agrees_with_linear_scan() {
        let mut x = 0x1234_5678u32;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let lin = TABLE.iter().find(|r| r.matches(x));
            let idx = decode(Insn(x));
            assert_eq!(lin.map(|r| r.name), idx.map(|r| r.name), "{x:#010x}");
        }
    }

    #[test]
    fn decodes_known_words() {
        // From aarch64-linux-gnu-objdump.
        assert_eq!(decode(Insn(0x9100_0421)).unwrap().name, "ADD_SUB_imm"); // add x1, x1, #1
        assert_eq!(decode(Insn(0xd65f_03c0)).unwrap().name, "BR_BLR_RET"); // ret
        assert_eq!(decode(Insn(0xa9bf_7bfd)).unwrap().name, "LDST_pair"); // stp x29, x30, [sp, #-16]!
        assert_eq!(decode(Insn(0xd503_201f)).unwrap().name, "HINT"); // nop
        assert!(decode(Insn(0xffff_ffff)).is_none());
    }
}
