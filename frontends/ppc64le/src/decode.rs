//! The Power ISA decode table.
//!
//! Every encoding is one row of [`TABLE`]: its bit pattern, its name as in
//! the Power ISA (upper case, `_rc` for a separate record-form opcode), the
//! translate function it calls and the capstone mnemonics it may print as
//! (used by the decoder agreement test; `b*` means any mnemonic starting
//! with `b`). Fields are read through the typed accessors of [`Insn`].
//!
//! # Bit numbering
//!
//! The pattern strings are written most significant bit first for the
//! 32-bit instruction word as loaded little-endian from memory (`0`/`1`
//! fixed, `x` don't care, spaces ignored). That is the order of the Power
//! ISA's big-endian bit numbering: the ISA's bit 0 is the first character
//! (the top bit of the primary opcode) and its bit 31 (usually Rc) the
//! last. The field accessors below are named as in the ISA and documented
//! with both numberings (`ISA a:b` = `LSB hi..lo` with `hi = 31 - a`).
//!
//! Matching: the table is scanned in order and the first matching row
//! wins (more specific rows first where they overlap). Lookup only scans
//! the rows compatible with the instruction's primary opcode and bits
//! ISA 26:30 (a 64 × 32-entry index built once on first use).

use crate::cpu::Isa;
use crate::translate::{Ctx, Undef, branch, fixed, fp, ldst, logical, storage, vmx, vsx};
use xlat_ir::decode::Decoder;

/// A translate function: emits the IR of one instruction, or reports an
/// invalid/reserved sub-encoding.
pub type TranslateFn = fn(&mut Ctx<'_>, Insn) -> Result<(), Undef>;

xlat_ir::insn_word! {
/// A 32-bit Power instruction word with typed field accessors.
pub struct Insn;
/// Primary opcode, ISA 0:5 (LSB 31..26).
po: 31..26;
/// RT / RS / FRT / VRT / BO / TO / BT, ISA 6:10 (LSB 25..21).
rt: 25..21;
/// RA / FRA / VRA / BI / BA, ISA 11:15 (LSB 20..16).
ra: 20..16;
/// RB / FRB / VRB / BB / SH, ISA 16:20 (LSB 15..11).
rb: 15..11;
/// FRC / VRC / MB of M-form / BC of isel, ISA 21:25 (LSB 10..6).
rc5: 10..6;
/// ME of M-form, ISA 26:30 (LSB 5..1).
me: 5..1;
/// BF (CR field), ISA 6:8 (LSB 25..23).
bf: 25..23;
/// BFA (source CR field), ISA 11:13 (LSB 20..18).
bfa: 20..18;
/// L of compares, ISA 10 (LSB 21).
l21: 21..21;
/// D / SI / UI, ISA 16:31 (LSB 15..0).
d: 15..0;
/// XO of X-forms, ISA 21:30 (LSB 10..1).
xo10: 10..1;
/// XO of XO-forms, ISA 22:30 (LSB 9..1).
xo9: 9..1;
/// OE, ISA 21 (LSB 10).
oe: 10..10;
/// Rc / LK / TX (last bit), ISA 31 (LSB 0).
rc: 0..0;
/// AA, ISA 30 (LSB 1).
aa: 1..1;
/// BH of bclr/bcctr, ISA 19:20 (LSB 12..11).
bh: 12..11;
/// FXM of mtcrf/mfocrf, ISA 12:19 (LSB 19..12).
fxm: 19..12;
/// sh\[5\] of MD/XS-forms, ISA 30 (LSB 1).
sh5: 1..1;
/// mb/me field of MD/MDS-forms (rotated), ISA 21:26 (LSB 10..5).
mb6: 10..5;
/// LEV of sc, ISA 20:26 (LSB 11..5).
lev: 11..5;
/// VX-form extended opcode, ISA 21:31 (LSB 10..0).
xo11: 10..0;
/// VA-form extended opcode, ISA 26:31 (LSB 5..0).
xo6: 5..0;
/// Rc of VC-form, ISA 21 (LSB 10).
vrc: 10..10;
/// SHB of vsldoi, ISA 22:25 (LSB 9..6).
shb: 9..6;
/// AX of XX3-forms, ISA 29 (LSB 2).
ax: 2..2;
/// BX of XX2/XX3-forms, ISA 30 (LSB 1).
bx: 1..1;
/// TX / SX of XX-forms, ISA 31 (LSB 0).
tx: 0..0;
/// CX of XX4-form, ISA 28 (LSB 3).
cx: 3..3;
/// DM / SHW of xxpermdi / xxsldwi, ISA 22:23 (LSB 9..8).
dm: 9..8;
/// TX of DQ-forms, ISA 28 (LSB 3).
dq_tx: 3..3;
/// DQ, ISA 16:27 (LSB 15..4).
dq: 15..4;
/// IMM8 of xxspltib, ISA 13:20 (LSB 18..11).
imm8: 18..11;
/// UIM of xxspltw, ISA 14:15 (LSB 17..16).
uim2: 17..16;
/// FLM of mtfsf, ISA 7:14 (LSB 24..17).
flm: 24..17;
/// U of mtfsfi, ISA 16:19 (LSB 15..12).
u4: 15..12;}

impl Insn {
    /// SI / D sign-extended.
    #[inline]
    pub fn simm(self) -> i64 {
        self.sbits(15, 0)
    }

    /// DS field (ISA 16:29) times 4, sign-extended.
    #[inline]
    pub fn ds(self) -> i64 {
        self.sbits(15, 2) << 2
    }

    /// The SPR number of mfspr/mtspr (the two 5-bit halves swapped back).
    #[inline]
    pub fn spr(self) -> u32 {
        (self.bits(15, 11) << 5) | self.bits(20, 16)
    }

    /// 6-bit shift of MD/XS-forms: sh\[5\] || sh\[0:4\].
    #[inline]
    pub fn sh6(self) -> u32 {
        (self.sh5() << 5) | self.rb()
    }

    /// 6-bit mb/me of MD/MDS-forms: mb\[5\] || mb\[0:4\].
    #[inline]
    pub fn mb_md(self) -> u32 {
        let f = self.mb6();
        ((f & 1) << 5) | (f >> 1)
    }

    /// XT of XX1/XX2/XX3/XX4-forms: TX || T.
    #[inline]
    pub fn xt(self) -> u32 {
        (self.tx() << 5) | self.rt()
    }

    /// XA of XX3-forms: AX || A.
    #[inline]
    pub fn xa(self) -> u32 {
        (self.ax() << 5) | self.ra()
    }

    /// XB of XX2/XX3-forms: BX || B.
    #[inline]
    pub fn xb(self) -> u32 {
        (self.bx() << 5) | self.rb()
    }

    /// XC of XX4-form: CX || C.
    #[inline]
    pub fn xc(self) -> u32 {
        (self.cx() << 5) | self.rc5()
    }
}

/// One decode table row.
pub type Row = xlat_ir::decode::Row<TranslateFn>;

xlat_ir::decode_table! {
    /// The decode table, in priority order.
    pub static TABLE: [TranslateFn];
    // ---- Branch facility (Book I chapter 2) ----
    B          "010010 xxxxx xxxxx xxxxxxxxxxxxxxxx" => branch::b, "b ba bl bla";
    BC         "010000 xxxxx xxxxx xxxxxxxxxxxxxxxx" => branch::bc, "b*";
    BCLR       "010011 xxxxx xxxxx xxxxx 0000010000 x" => branch::bclr, "b*";
    BCCTR      "010011 xxxxx xxxxx xxxxx 1000010000 x" => branch::bcctr, "b*";
    BCTAR      "010011 xxxxx xxxxx xxxxx 1000110000 x" => branch::bctar, "b*";
    SC         "010001 xxxxx xxxxx xxxx xxxxxxx xxx 1 0" => branch::sc, "sc";
    SCV        "010001 xxxxx xxxxx xxxx xxxxxxx xxx 0 1" => branch::scv, "scv";
    MCRF       "010011 xxxxx xxxxx xxxxx 0000000000 x" => branch::mcrf, "mcrf";
    CRAND      "010011 xxxxx xxxxx xxxxx 0100000001 x" => branch::cr_logical, "crand";
    CRANDC     "010011 xxxxx xxxxx xxxxx 0010000001 x" => branch::cr_logical, "crandc";
    CREQV      "010011 xxxxx xxxxx xxxxx 0100100001 x" => branch::cr_logical, "creqv crset";
    CRNAND     "010011 xxxxx xxxxx xxxxx 0011100001 x" => branch::cr_logical, "crnand";
    CRNOR      "010011 xxxxx xxxxx xxxxx 0000100001 x" => branch::cr_logical, "crnor crnot";
    CROR       "010011 xxxxx xxxxx xxxxx 0111000001 x" => branch::cr_logical, "cror crmove";
    CRORC      "010011 xxxxx xxxxx xxxxx 0110100001 x" => branch::cr_logical, "crorc";
    CRXOR      "010011 xxxxx xxxxx xxxxx 0011000001 x" => branch::cr_logical, "crxor crclr";
    // ---- Fixed-point facility (Book I chapter 3): arithmetic, compare, trap ----
    TDI        "000010 xxxxx xxxxx xxxxxxxxxxxxxxxx" => fixed::trap_imm, "t*";
    TWI        "000011 xxxxx xxxxx xxxxxxxxxxxxxxxx" => fixed::trap_imm, "t*";
    TW         "011111 xxxxx xxxxx xxxxx 0000000100 x" => fixed::trap_reg, "t*";
    TD         "011111 xxxxx xxxxx xxxxx 0001000100 x" => fixed::trap_reg, "t*";
    MULLI      "000111 xxxxx xxxxx xxxxxxxxxxxxxxxx" => fixed::mulli, "mulli";
    SUBFIC     "001000 xxxxx xxxxx xxxxxxxxxxxxxxxx" => fixed::subfic, "subfic";
    CMPLI      "001010 xxxxx xxxxx xxxxxxxxxxxxxxxx" => fixed::cmpli, "cmpldi cmplwi cmpli";
    CMPI       "001011 xxxxx xxxxx xxxxxxxxxxxxxxxx" => fixed::cmpi, "cmpdi cmpwi cmpi";
    ADDIC      "001100 xxxxx xxxxx xxxxxxxxxxxxxxxx" => fixed::addic, "addic subic";
    ADDIC_rc   "001101 xxxxx xxxxx xxxxxxxxxxxxxxxx" => fixed::addic, "addic. subic.";
    ADDI       "001110 xxxxx xxxxx xxxxxxxxxxxxxxxx" => fixed::addi, "addi li subi la";
    ADDIS      "001111 xxxxx xxxxx xxxxxxxxxxxxxxxx" => fixed::addis, "addis lis subis";
    CMP        "011111 xxxxx xxxxx xxxxx 0000000000 x" => fixed::cmp, "cmpd cmpw cmp";
    CMPL       "011111 xxxxx xxxxx xxxxx 0000100000 x" => fixed::cmp, "cmpld cmplw cmpl";
    ADD        "011111 xxxxx xxxxx xxxxx x 100001010 x" => fixed::xo_arith, "add add. addo addo.";
    ADDC       "011111 xxxxx xxxxx xxxxx x 000001010 x" => fixed::xo_arith, "addc addc. addco addco.";
    ADDE       "011111 xxxxx xxxxx xxxxx x 010001010 x" => fixed::xo_arith, "adde adde. addeo addeo.";
    ADDME      "011111 xxxxx xxxxx xxxxx x 011101010 x" => fixed::xo_arith, "addme addme. addmeo addmeo.";
    ADDZE      "011111 xxxxx xxxxx xxxxx x 011001010 x" => fixed::xo_arith, "addze addze. addzeo addzeo.";
    SUBF       "011111 xxxxx xxxxx xxxxx x 000101000 x" => fixed::xo_arith, "subf subf. subfo subfo. sub sub. subo subo.";
    SUBFC      "011111 xxxxx xxxxx xxxxx x 000001000 x" => fixed::xo_arith, "subfc subfc. subfco subfco. subc subc. subco subco.";
    SUBFE      "011111 xxxxx xxxxx xxxxx x 010001000 x" => fixed::xo_arith, "subfe subfe. subfeo subfeo.";
    SUBFME     "011111 xxxxx xxxxx xxxxx x 011101000 x" => fixed::xo_arith, "subfme subfme. subfmeo subfmeo.";
    SUBFZE     "011111 xxxxx xxxxx xxxxx x 011001000 x" => fixed::xo_arith, "subfze subfze. subfzeo subfzeo.";
    NEG        "011111 xxxxx xxxxx xxxxx x 001101000 x" => fixed::xo_arith, "neg neg. nego nego.";
    MULLW      "011111 xxxxx xxxxx xxxxx x 011101011 x" => fixed::xo_arith, "mullw mullw. mullwo mullwo.";
    MULLD      "011111 xxxxx xxxxx xxxxx x 011101001 x" => fixed::xo_arith, "mulld mulld. mulldo mulldo.";
    DIVW       "011111 xxxxx xxxxx xxxxx x 111101011 x" => fixed::xo_arith, "divw divw. divwo divwo.";
    DIVWU      "011111 xxxxx xxxxx xxxxx x 111001011 x" => fixed::xo_arith, "divwu divwu. divwuo divwuo.";
    DIVD       "011111 xxxxx xxxxx xxxxx x 111101001 x" => fixed::xo_arith, "divd divd. divdo divdo.";
    DIVDU      "011111 xxxxx xxxxx xxxxx x 111001001 x" => fixed::xo_arith, "divdu divdu. divduo divduo.";
    MULHW      "011111 xxxxx xxxxx xxxxx 0 001001011 x" => fixed::mulh, "mulhw mulhw.";
    MULHWU     "011111 xxxxx xxxxx xxxxx 0 000001011 x" => fixed::mulh, "mulhwu mulhwu.";
    MULHD      "011111 xxxxx xxxxx xxxxx 0 001001001 x" => fixed::mulh, "mulhd mulhd.";
    MULHDU     "011111 xxxxx xxxxx xxxxx 0 000001001 x" => fixed::mulh, "mulhdu mulhdu.";
    MODSW      "011111 xxxxx xxxxx xxxxx 1100001011 0" => fixed::modulo, "modsw";
    MODUW      "011111 xxxxx xxxxx xxxxx 0100001011 0" => fixed::modulo, "moduw";
    MODSD      "011111 xxxxx xxxxx xxxxx 1100001001 0" => fixed::modulo, "modsd";
    MODUD      "011111 xxxxx xxxxx xxxxx 0100001001 0" => fixed::modulo, "modud";
    MADDHD     "000100 xxxxx xxxxx xxxxx xxxxx 110000" => fixed::madd, "maddhd";
    MADDHDU    "000100 xxxxx xxxxx xxxxx xxxxx 110001" => fixed::madd, "maddhdu";
    MADDLD     "000100 xxxxx xxxxx xxxxx xxxxx 110011" => fixed::madd, "maddld";
    ADDPCIS    "010011 xxxxx xxxxx xxxxxxxxxx 00010 x" => fixed::addpcis, "addpcis lnia";
    CMPRB      "011111 xxx0x xxxxx xxxxx 0011000000 0" => fixed::cmp_byte, "cmprb";
    CMPEQB     "011111 xxx00 xxxxx xxxxx 0011100000 0" => fixed::cmp_byte, "cmpeqb";
    DARN       "011111 xxxxx 000xx 00000 1011110011 0" => fixed::darn, "darn";
    EXTSWSLI   "011111 xxxxx xxxxx xxxxx 110111101 x x" => logical::extswsli, "extswsli extswsli.";
    SETBC      "011111 xxxxx xxxxx 00000 0110000000 0" => fixed::setbc, "setbc";
    SETBCR     "011111 xxxxx xxxxx 00000 0110100000 0" => fixed::setbc, "setbcr";
    SETNBC     "011111 xxxxx xxxxx 00000 0111000000 0" => fixed::setbc, "setnbc";
    SETNBCR    "011111 xxxxx xxxxx 00000 0111100000 0" => fixed::setbc, "setnbcr";
    BRH        "011111 xxxxx xxxxx 00000 0011011011 0" => logical::byte_reverse, "brh";
    BRW        "011111 xxxxx xxxxx 00000 0010011011 0" => logical::byte_reverse, "brw";
    BRD        "011111 xxxxx xxxxx 00000 0010111011 0" => logical::byte_reverse, "brd";
    SETB       "011111 xxxxx xxxxx xxxxx 0010000000 0" => fixed::setb, "setb";
    MCRXRX     "011111 xxxxx xxxxx xxxxx 1001000000 0" => fixed::mcrxrx, "mcrxrx";
    ISEL       "011111 xxxxx xxxxx xxxxx xxxxx 01111 0" => fixed::isel, "isel isellt iselgt iseleq";
    MFCR       "011111 xxxxx 0xxxx xxxxx 0000010011 0" => fixed::mfcr, "mfcr";
    MFOCRF     "011111 xxxxx 1xxxx xxxxx 0000010011 0" => fixed::mfcr, "mfocrf";
    MTCRF      "011111 xxxxx 0xxxx xxxxx 0010010000 0" => fixed::mtcrf, "mtcrf mtcr";
    MTOCRF     "011111 xxxxx 1xxxx xxxxx 0010010000 0" => fixed::mtcrf, "mtocrf";
    MFSPR      "011111 xxxxx xxxxx xxxxx 0101010011 0" => fixed::mfspr, "mfspr mflr mfctr mfxer mfvrsave mftar mfdscr mftb mftbu mfppr mfppr32";
    MTSPR      "011111 xxxxx xxxxx xxxxx 0111010011 0" => fixed::mtspr, "mtspr mtlr mtctr mtxer mtvrsave mttar mtdscr";
    MFTB       "011111 xxxxx xxxxx xxxxx 0101110011 0" => fixed::mftb, "mftb mftbu";
    // ---- Fixed-point facility: logical, rotate and shift ----
    ORI        "011000 xxxxx xxxxx xxxxxxxxxxxxxxxx" => logical::ori, "ori nop";
    ORIS       "011001 xxxxx xxxxx xxxxxxxxxxxxxxxx" => logical::ori, "oris";
    XORI       "011010 xxxxx xxxxx xxxxxxxxxxxxxxxx" => logical::ori, "xori xnop";
    XORIS      "011011 xxxxx xxxxx xxxxxxxxxxxxxxxx" => logical::ori, "xoris";
    ANDI       "011100 xxxxx xxxxx xxxxxxxxxxxxxxxx" => logical::ori, "andi.";
    ANDIS      "011101 xxxxx xxxxx xxxxxxxxxxxxxxxx" => logical::ori, "andis.";
    AND        "011111 xxxxx xxxxx xxxxx 0000011100 x" => logical::logical, "and and.";
    ANDC       "011111 xxxxx xxxxx xxxxx 0000111100 x" => logical::logical, "andc andc.";
    OR         "011111 xxxxx xxxxx xxxxx 0110111100 x" => logical::logical, "or or. mr mr.";
    XOR        "011111 xxxxx xxxxx xxxxx 0100111100 x" => logical::logical, "xor xor.";
    NAND       "011111 xxxxx xxxxx xxxxx 0111011100 x" => logical::logical, "nand nand.";
    NOR        "011111 xxxxx xxxxx xxxxx 0001111100 x" => logical::logical, "nor nor. not not.";
    EQV        "011111 xxxxx xxxxx xxxxx 0100011100 x" => logical::logical, "eqv eqv.";
    ORC        "011111 xxxxx xxxxx xxxxx 0110011100 x" => logical::logical, "orc orc.";
    EXTSB      "011111 xxxxx xxxxx xxxxx 1110111010 x" => logical::unary, "extsb extsb.";
    EXTSH      "011111 xxxxx xxxxx xxxxx 1110011010 x" => logical::unary, "extsh extsh.";
    EXTSW      "011111 xxxxx xxxxx xxxxx 1111011010 x" => logical::unary, "extsw extsw.";
    CNTLZW     "011111 xxxxx xxxxx xxxxx 0000011010 x" => logical::unary, "cntlzw cntlzw. cntlz";
    CNTLZD     "011111 xxxxx xxxxx xxxxx 0000111010 x" => logical::unary, "cntlzd cntlzd.";
    CNTTZW     "011111 xxxxx xxxxx xxxxx 1000011010 x" => logical::unary, "cnttzw cnttzw.";
    CNTTZD     "011111 xxxxx xxxxx xxxxx 1000111010 x" => logical::unary, "cnttzd cnttzd.";
    POPCNTB    "011111 xxxxx xxxxx xxxxx 0001111010 0" => logical::unary, "popcntb";
    POPCNTW    "011111 xxxxx xxxxx xxxxx 0101111010 0" => logical::unary, "popcntw";
    POPCNTD    "011111 xxxxx xxxxx xxxxx 0111111010 0" => logical::unary, "popcntd";
    CMPB       "011111 xxxxx xxxxx xxxxx 0111111100 0" => logical::cmpb, "cmpb";
    BPERMD     "011111 xxxxx xxxxx xxxxx 0011111100 0" => logical::bpermd, "bpermd";
    SLW        "011111 xxxxx xxxxx xxxxx 0000011000 x" => logical::shift, "slw slw.";
    SRW        "011111 xxxxx xxxxx xxxxx 1000011000 x" => logical::shift, "srw srw.";
    SRAW       "011111 xxxxx xxxxx xxxxx 1100011000 x" => logical::shift, "sraw sraw.";
    SLD        "011111 xxxxx xxxxx xxxxx 0000011011 x" => logical::shift, "sld sld.";
    SRD        "011111 xxxxx xxxxx xxxxx 1000011011 x" => logical::shift, "srd srd.";
    SRAD       "011111 xxxxx xxxxx xxxxx 1100011010 x" => logical::shift, "srad srad.";
    SRAWI      "011111 xxxxx xxxxx xxxxx 1100111000 x" => logical::shift_imm, "srawi srawi.";
    SRADI      "011111 xxxxx xxxxx xxxxx 110011101 x x" => logical::shift_imm, "sradi sradi.";
    RLWIMI     "010100 xxxxx xxxxx xxxxxxxxxxxxxxxx" => logical::rlwimi, "rlwimi rlwimi. inslwi inslwi. insrwi insrwi.";
    RLWINM     "010101 xxxxx xxxxx xxxxxxxxxxxxxxxx" => logical::rlwinm, "rlwinm rlwinm. slwi slwi. srwi srwi. clrlwi clrlwi. clrrwi clrrwi. rotlwi rotlwi. extlwi extlwi. extrwi extrwi. clrlslwi clrlslwi.";
    RLWNM      "010111 xxxxx xxxxx xxxxxxxxxxxxxxxx" => logical::rlwinm, "rlwnm rlwnm. rotlw rotlw.";
    RLDICL     "011110 xxxxx xxxxx xxxxx xxxxxx 000 x x" => logical::rld, "rldicl rldicl. clrldi clrldi. rotldi rotldi. srdi srdi. extrdi extrdi.";
    RLDICR     "011110 xxxxx xxxxx xxxxx xxxxxx 001 x x" => logical::rld, "rldicr rldicr. sldi sldi. clrrdi clrrdi. extldi extldi.";
    RLDIC      "011110 xxxxx xxxxx xxxxx xxxxxx 010 x x" => logical::rld, "rldic rldic. clrlsldi clrlsldi.";
    RLDIMI     "011110 xxxxx xxxxx xxxxx xxxxxx 011 x x" => logical::rld, "rldimi rldimi. insrdi insrdi.";
    RLDCL      "011110 xxxxx xxxxx xxxxx xxxxxx 1000 x" => logical::rld, "rldcl rldcl. rotld rotld.";
    RLDCR      "011110 xxxxx xxxxx xxxxx xxxxxx 1001 x" => logical::rld, "rldcr rldcr.";
    // ---- Fixed-point facility: loads and stores ----
    LWZ        "100000 xxxxx xxxxx xxxxxxxxxxxxxxxx" => ldst::dform, "lwz";
    LWZU       "100001 xxxxx xxxxx xxxxxxxxxxxxxxxx" => ldst::dform, "lwzu";
    LBZ        "100010 xxxxx xxxxx xxxxxxxxxxxxxxxx" => ldst::dform, "lbz";
    LBZU       "100011 xxxxx xxxxx xxxxxxxxxxxxxxxx" => ldst::dform, "lbzu";
    STW        "100100 xxxxx xxxxx xxxxxxxxxxxxxxxx" => ldst::dform, "stw";
    STWU       "100101 xxxxx xxxxx xxxxxxxxxxxxxxxx" => ldst::dform, "stwu";
    STB        "100110 xxxxx xxxxx xxxxxxxxxxxxxxxx" => ldst::dform, "stb";
    STBU       "100111 xxxxx xxxxx xxxxxxxxxxxxxxxx" => ldst::dform, "stbu";
    LHZ        "101000 xxxxx xxxxx xxxxxxxxxxxxxxxx" => ldst::dform, "lhz";
    LHZU       "101001 xxxxx xxxxx xxxxxxxxxxxxxxxx" => ldst::dform, "lhzu";
    LHA        "101010 xxxxx xxxxx xxxxxxxxxxxxxxxx" => ldst::dform, "lha";
    LHAU       "101011 xxxxx xxxxx xxxxxxxxxxxxxxxx" => ldst::dform, "lhau";
    STH        "101100 xxxxx xxxxx xxxxxxxxxxxxxxxx" => ldst::dform, "sth";
    STHU       "101101 xxxxx xxxxx xxxxxxxxxxxxxxxx" => ldst::dform, "sthu";
    LMW        "101110 xxxxx xxxxx xxxxxxxxxxxxxxxx" => ldst::lmw, "lmw";
    STMW       "101111 xxxxx xxxxx xxxxxxxxxxxxxxxx" => ldst::stmw, "stmw";
    LD         "111010 xxxxx xxxxx xxxxxxxxxxxxxx 00" => ldst::dsform, "ld";
    LDU        "111010 xxxxx xxxxx xxxxxxxxxxxxxx 01" => ldst::dsform, "ldu";
    LWA        "111010 xxxxx xxxxx xxxxxxxxxxxxxx 10" => ldst::dsform, "lwa";
    STD        "111110 xxxxx xxxxx xxxxxxxxxxxxxx 00" => ldst::dsform, "std";
    STDU       "111110 xxxxx xxxxx xxxxxxxxxxxxxx 01" => ldst::dsform, "stdu";
    STQ        "111110 xxxxx xxxxx xxxxxxxxxxxxxx 10" => ldst::stq, "stq";
    LQ         "111000 xxxxx xxxxx xxxxxxxxxxxx 0000" => ldst::lq, "lq";
    LWZX       "011111 xxxxx xxxxx xxxxx 0000010111 0" => ldst::xform, "lwzx";
    LWZUX      "011111 xxxxx xxxxx xxxxx 0000110111 0" => ldst::xform, "lwzux";
    LBZX       "011111 xxxxx xxxxx xxxxx 0001010111 0" => ldst::xform, "lbzx";
    LBZUX      "011111 xxxxx xxxxx xxxxx 0001110111 0" => ldst::xform, "lbzux";
    STWX       "011111 xxxxx xxxxx xxxxx 0010010111 0" => ldst::xform, "stwx";
    STWUX      "011111 xxxxx xxxxx xxxxx 0010110111 0" => ldst::xform, "stwux";
    STBX       "011111 xxxxx xxxxx xxxxx 0011010111 0" => ldst::xform, "stbx";
    STBUX      "011111 xxxxx xxxxx xxxxx 0011110111 0" => ldst::xform, "stbux";
    LHZX       "011111 xxxxx xxxxx xxxxx 0100010111 0" => ldst::xform, "lhzx";
    LHZUX      "011111 xxxxx xxxxx xxxxx 0100110111 0" => ldst::xform, "lhzux";
    LHAX       "011111 xxxxx xxxxx xxxxx 0101010111 0" => ldst::xform, "lhax";
    LHAUX      "011111 xxxxx xxxxx xxxxx 0101110111 0" => ldst::xform, "lhaux";
    STHX       "011111 xxxxx xxxxx xxxxx 0110010111 0" => ldst::xform, "sthx";
    STHUX      "011111 xxxxx xxxxx xxxxx 0110110111 0" => ldst::xform, "sthux";
    LDX        "011111 xxxxx xxxxx xxxxx 0000010101 0" => ldst::xform, "ldx";
    LDUX       "011111 xxxxx xxxxx xxxxx 0000110101 0" => ldst::xform, "ldux";
    STDX       "011111 xxxxx xxxxx xxxxx 0010010101 0" => ldst::xform, "stdx";
    STDUX      "011111 xxxxx xxxxx xxxxx 0010110101 0" => ldst::xform, "stdux";
    LWAX       "011111 xxxxx xxxxx xxxxx 0101010101 0" => ldst::xform, "lwax";
    LWAUX      "011111 xxxxx xxxxx xxxxx 0101110101 0" => ldst::xform, "lwaux";
    LHBRX      "011111 xxxxx xxxxx xxxxx 1100010110 0" => ldst::xform, "lhbrx";
    LWBRX      "011111 xxxxx xxxxx xxxxx 1000010110 0" => ldst::xform, "lwbrx";
    LDBRX      "011111 xxxxx xxxxx xxxxx 1000010100 0" => ldst::xform, "ldbrx";
    STHBRX     "011111 xxxxx xxxxx xxxxx 1110010110 0" => ldst::xform, "sthbrx";
    STWBRX     "011111 xxxxx xxxxx xxxxx 1010010110 0" => ldst::xform, "stwbrx";
    STDBRX     "011111 xxxxx xxxxx xxxxx 1010010100 0" => ldst::xform, "stdbrx";
    LBARX      "011111 xxxxx xxxxx xxxxx 0000110100 x" => ldst::larx, "lbarx";
    LHARX      "011111 xxxxx xxxxx xxxxx 0001110100 x" => ldst::larx, "lharx";
    LWARX      "011111 xxxxx xxxxx xxxxx 0000010100 x" => ldst::larx, "lwarx";
    LDARX      "011111 xxxxx xxxxx xxxxx 0001010100 x" => ldst::larx, "ldarx";
    LQARX      "011111 xxxxx xxxxx xxxxx 0100010100 x" => ldst::larx, "lqarx";
    STBCX      "011111 xxxxx xxxxx xxxxx 1010110110 1" => ldst::stcx, "stbcx.";
    STHCX      "011111 xxxxx xxxxx xxxxx 1011010110 1" => ldst::stcx, "sthcx.";
    STWCX      "011111 xxxxx xxxxx xxxxx 0010010110 1" => ldst::stcx, "stwcx.";
    STDCX      "011111 xxxxx xxxxx xxxxx 0011010110 1" => ldst::stcx, "stdcx.";
    STQCX      "011111 xxxxx xxxxx xxxxx 0010110110 1" => ldst::stcx, "stqcx.";
    // ---- Storage control (Book II): barriers and cache management ----
    SYNC       "011111 xxxxx xxxxx xxxxx 1001010110 0" => storage::sync, "sync lwsync ptesync hwsync msync";
    EIEIO      "011111 xxxxx xxxxx xxxxx 1101010110 0" => storage::sync, "eieio mbar";
    ISYNC      "010011 xxxxx xxxxx xxxxx 0010010110 0" => storage::isync, "isync";
    DCBZ       "011111 xxxxx xxxxx xxxxx 1111110110 0" => storage::dcbz, "dcbz dcbzl";
    DCBST      "011111 xxxxx xxxxx xxxxx 0000110110 0" => storage::cache_nop, "dcbst";
    DCBF       "011111 xxxxx xxxxx xxxxx 0001010110 0" => storage::cache_nop, "dcbf dcbfl dcbflp dcbfps dcbstps";
    DCBT       "011111 xxxxx xxxxx xxxxx 0100010110 0" => storage::cache_nop, "dcbt dcbtct dcbtds dcbtt";
    DCBTST     "011111 xxxxx xxxxx xxxxx 0011110110 0" => storage::cache_nop, "dcbtst dcbtstct dcbtstds dcbtstt";
    ICBI       "011111 xxxxx xxxxx xxxxx 1111010110 0" => storage::icbi, "icbi";
    // ---- Floating-point facility (Book I chapter 4) ----
    LFS        "110000 xxxxx xxxxx xxxxxxxxxxxxxxxx" => fp::load_store, "lfs";
    LFSU       "110001 xxxxx xxxxx xxxxxxxxxxxxxxxx" => fp::load_store, "lfsu";
    LFD        "110010 xxxxx xxxxx xxxxxxxxxxxxxxxx" => fp::load_store, "lfd";
    LFDU       "110011 xxxxx xxxxx xxxxxxxxxxxxxxxx" => fp::load_store, "lfdu";
    STFS       "110100 xxxxx xxxxx xxxxxxxxxxxxxxxx" => fp::load_store, "stfs";
    STFSU      "110101 xxxxx xxxxx xxxxxxxxxxxxxxxx" => fp::load_store, "stfsu";
    STFD       "110110 xxxxx xxxxx xxxxxxxxxxxxxxxx" => fp::load_store, "stfd";
    STFDU      "110111 xxxxx xxxxx xxxxxxxxxxxxxxxx" => fp::load_store, "stfdu";
    LFSX       "011111 xxxxx xxxxx xxxxx 1000010111 0" => fp::load_store, "lfsx";
    LFSUX      "011111 xxxxx xxxxx xxxxx 1000110111 0" => fp::load_store, "lfsux";
    LFDX       "011111 xxxxx xxxxx xxxxx 1001010111 0" => fp::load_store, "lfdx";
    LFDUX      "011111 xxxxx xxxxx xxxxx 1001110111 0" => fp::load_store, "lfdux";
    STFSX      "011111 xxxxx xxxxx xxxxx 1010010111 0" => fp::load_store, "stfsx";
    STFSUX     "011111 xxxxx xxxxx xxxxx 1010110111 0" => fp::load_store, "stfsux";
    STFDX      "011111 xxxxx xxxxx xxxxx 1011010111 0" => fp::load_store, "stfdx";
    STFDUX     "011111 xxxxx xxxxx xxxxx 1011110111 0" => fp::load_store, "stfdux";
    LFIWAX     "011111 xxxxx xxxxx xxxxx 1101010111 0" => fp::load_store, "lfiwax";
    LFIWZX     "011111 xxxxx xxxxx xxxxx 1101110111 0" => fp::load_store, "lfiwzx";
    STFIWX     "011111 xxxxx xxxxx xxxxx 1111010111 0" => fp::load_store, "stfiwx";
    FDIV       "111111 xxxxx xxxxx xxxxx xxxxx 10010 x" => fp::arith, "fdiv fdiv.";
    FSUB       "111111 xxxxx xxxxx xxxxx xxxxx 10100 x" => fp::arith, "fsub fsub.";
    FADD       "111111 xxxxx xxxxx xxxxx xxxxx 10101 x" => fp::arith, "fadd fadd.";
    FSQRT      "111111 xxxxx xxxxx xxxxx xxxxx 10110 x" => fp::arith, "fsqrt fsqrt.";
    FSEL       "111111 xxxxx xxxxx xxxxx xxxxx 10111 x" => fp::arith, "fsel fsel.";
    FMUL       "111111 xxxxx xxxxx xxxxx xxxxx 11001 x" => fp::arith, "fmul fmul.";
    FMSUB      "111111 xxxxx xxxxx xxxxx xxxxx 11100 x" => fp::arith, "fmsub fmsub.";
    FMADD      "111111 xxxxx xxxxx xxxxx xxxxx 11101 x" => fp::arith, "fmadd fmadd.";
    FNMSUB     "111111 xxxxx xxxxx xxxxx xxxxx 11110 x" => fp::arith, "fnmsub fnmsub.";
    FNMADD     "111111 xxxxx xxxxx xxxxx xxxxx 11111 x" => fp::arith, "fnmadd fnmadd.";
    FDIVS      "111011 xxxxx xxxxx xxxxx xxxxx 10010 x" => fp::arith, "fdivs fdivs.";
    FSUBS      "111011 xxxxx xxxxx xxxxx xxxxx 10100 x" => fp::arith, "fsubs fsubs.";
    FADDS      "111011 xxxxx xxxxx xxxxx xxxxx 10101 x" => fp::arith, "fadds fadds.";
    FSQRTS     "111011 xxxxx xxxxx xxxxx xxxxx 10110 x" => fp::arith, "fsqrts fsqrts.";
    FMULS      "111011 xxxxx xxxxx xxxxx xxxxx 11001 x" => fp::arith, "fmuls fmuls.";
    FMSUBS     "111011 xxxxx xxxxx xxxxx xxxxx 11100 x" => fp::arith, "fmsubs fmsubs.";
    FMADDS     "111011 xxxxx xxxxx xxxxx xxxxx 11101 x" => fp::arith, "fmadds fmadds.";
    FNMSUBS    "111011 xxxxx xxxxx xxxxx xxxxx 11110 x" => fp::arith, "fnmsubs fnmsubs.";
    FNMADDS    "111011 xxxxx xxxxx xxxxx xxxxx 11111 x" => fp::arith, "fnmadds fnmadds.";
    FCMPU      "111111 xxxxx xxxxx xxxxx 0000000000 0" => fp::fcmp, "fcmpu";
    FCMPO      "111111 xxxxx xxxxx xxxxx 0000100000 0" => fp::fcmp, "fcmpo";
    FMR        "111111 xxxxx xxxxx xxxxx 0001001000 x" => fp::unary, "fmr fmr.";
    FNEG       "111111 xxxxx xxxxx xxxxx 0000101000 x" => fp::unary, "fneg fneg.";
    FABS       "111111 xxxxx xxxxx xxxxx 0100001000 x" => fp::unary, "fabs fabs.";
    FNABS      "111111 xxxxx xxxxx xxxxx 0010001000 x" => fp::unary, "fnabs fnabs.";
    FCPSGN     "111111 xxxxx xxxxx xxxxx 0000001000 x" => fp::unary, "fcpsgn fcpsgn.";
    FRSP       "111111 xxxxx xxxxx xxxxx 0000001100 x" => fp::unary, "frsp frsp.";
    FCTIW      "111111 xxxxx xxxxx xxxxx 0000001110 x" => fp::unary, "fctiw fctiw.";
    FCTIWZ     "111111 xxxxx xxxxx xxxxx 0000001111 x" => fp::unary, "fctiwz fctiwz.";
    FCTID      "111111 xxxxx xxxxx xxxxx 1100101110 x" => fp::unary, "fctid fctid.";
    FCTIDZ     "111111 xxxxx xxxxx xxxxx 1100101111 x" => fp::unary, "fctidz fctidz.";
    FCTIWU     "111111 xxxxx xxxxx xxxxx 0010001110 x" => fp::unary, "fctiwu fctiwu.";
    FCTIWUZ    "111111 xxxxx xxxxx xxxxx 0010001111 x" => fp::unary, "fctiwuz fctiwuz.";
    FCTIDU     "111111 xxxxx xxxxx xxxxx 1110101110 x" => fp::unary, "fctidu fctidu.";
    FCTIDUZ    "111111 xxxxx xxxxx xxxxx 1110101111 x" => fp::unary, "fctiduz fctiduz.";
    FCFID      "111111 xxxxx xxxxx xxxxx 1101001110 x" => fp::unary, "fcfid fcfid.";
    FCFIDU     "111111 xxxxx xxxxx xxxxx 1111001110 x" => fp::unary, "fcfidu fcfidu.";
    FRIN       "111111 xxxxx xxxxx xxxxx 0110001000 x" => fp::unary, "frin frin.";
    FRIZ       "111111 xxxxx xxxxx xxxxx 0110101000 x" => fp::unary, "friz friz.";
    FRIP       "111111 xxxxx xxxxx xxxxx 0111001000 x" => fp::unary, "frip frip.";
    FRIM       "111111 xxxxx xxxxx xxxxx 0111101000 x" => fp::unary, "frim frim.";
    FCFIDS     "111011 xxxxx xxxxx xxxxx 1101001110 x" => fp::unary, "fcfids fcfids.";
    FCFIDUS    "111011 xxxxx xxxxx xxxxx 1111001110 x" => fp::unary, "fcfidus fcfidus.";
    MFFS       "111111 xxxxx xxxxx xxxxx 1001000111 x" => fp::fpscr, "mffs mffs. mffsl mffsce mffscrn mffscrni";
    MTFSF      "111111 xxxxx xxxxx xxxxx 1011000111 x" => fp::fpscr, "mtfsf mtfsf.";
    MTFSFI     "111111 xxxxx xxxxx xxxxx 0010000110 x" => fp::fpscr, "mtfsfi mtfsfi.";
    MTFSB0     "111111 xxxxx xxxxx xxxxx 0001000110 x" => fp::fpscr, "mtfsb0 mtfsb0.";
    MTFSB1     "111111 xxxxx xxxxx xxxxx 0000100110 x" => fp::fpscr, "mtfsb1 mtfsb1.";
    // ---- Vector facility (VMX, Book I chapter 6) ----
    LVX        "011111 xxxxx xxxxx xxxxx 0001100111 0" => vmx::load_store, "lvx";
    LVXL       "011111 xxxxx xxxxx xxxxx 0101100111 0" => vmx::load_store, "lvxl";
    STVX       "011111 xxxxx xxxxx xxxxx 0011100111 0" => vmx::load_store, "stvx";
    STVXL      "011111 xxxxx xxxxx xxxxx 0111100111 0" => vmx::load_store, "stvxl";
    LVEBX      "011111 xxxxx xxxxx xxxxx 0000000111 0" => vmx::load_store, "lvebx";
    LVEHX      "011111 xxxxx xxxxx xxxxx 0000100111 0" => vmx::load_store, "lvehx";
    LVEWX      "011111 xxxxx xxxxx xxxxx 0001000111 0" => vmx::load_store, "lvewx";
    STVEBX     "011111 xxxxx xxxxx xxxxx 0010000111 0" => vmx::load_store, "stvebx";
    STVEHX     "011111 xxxxx xxxxx xxxxx 0010100111 0" => vmx::load_store, "stvehx";
    STVEWX     "011111 xxxxx xxxxx xxxxx 0011000111 0" => vmx::load_store, "stvewx";
    LVSL       "011111 xxxxx xxxxx xxxxx 0000000110 0" => vmx::load_store, "lvsl";
    LVSR       "011111 xxxxx xxxxx xxxxx 0000100110 0" => vmx::load_store, "lvsr";
    VADDUBM    "000100 xxxxx xxxxx xxxxx 00000000000" => vmx::native, "vaddubm";
    VADDUHM    "000100 xxxxx xxxxx xxxxx 00001000000" => vmx::native, "vadduhm";
    VADDUWM    "000100 xxxxx xxxxx xxxxx 00010000000" => vmx::native, "vadduwm";
    VADDUDM    "000100 xxxxx xxxxx xxxxx 00011000000" => vmx::native, "vaddudm";
    VSUBUBM    "000100 xxxxx xxxxx xxxxx 10000000000" => vmx::native, "vsububm";
    VSUBUHM    "000100 xxxxx xxxxx xxxxx 10001000000" => vmx::native, "vsubuhm";
    VSUBUWM    "000100 xxxxx xxxxx xxxxx 10010000000" => vmx::native, "vsubuwm";
    VSUBUDM    "000100 xxxxx xxxxx xxxxx 10011000000" => vmx::native, "vsubudm";
    VAND       "000100 xxxxx xxxxx xxxxx 10000000100" => vmx::native, "vand";
    VANDC      "000100 xxxxx xxxxx xxxxx 10001000100" => vmx::native, "vandc";
    VOR        "000100 xxxxx xxxxx xxxxx 10010000100" => vmx::native, "vor vmr";
    VXOR       "000100 xxxxx xxxxx xxxxx 10011000100" => vmx::native, "vxor";
    VNOR       "000100 xxxxx xxxxx xxxxx 10100000100" => vmx::native, "vnor vnot";
    VORC       "000100 xxxxx xxxxx xxxxx 10101000100" => vmx::native, "vorc";
    VNAND      "000100 xxxxx xxxxx xxxxx 10110000100" => vmx::native, "vnand";
    VEQV       "000100 xxxxx xxxxx xxxxx 11010000100" => vmx::native, "veqv";
    VMINUB     "000100 xxxxx xxxxx xxxxx 01000000010" => vmx::native, "vminub";
    VMAXUB     "000100 xxxxx xxxxx xxxxx 00000000010" => vmx::native, "vmaxub";
    VMINUH     "000100 xxxxx xxxxx xxxxx 01001000010" => vmx::native, "vminuh";
    VMAXUH     "000100 xxxxx xxxxx xxxxx 00001000010" => vmx::native, "vmaxuh";
    VMINUW     "000100 xxxxx xxxxx xxxxx 01010000010" => vmx::native, "vminuw";
    VMAXUW     "000100 xxxxx xxxxx xxxxx 00010000010" => vmx::native, "vmaxuw";
    VSPLTISB   "000100 xxxxx xxxxx xxxxx 01100001100" => vmx::native, "vspltisb";
    VSPLTISH   "000100 xxxxx xxxxx xxxxx 01101001100" => vmx::native, "vspltish";
    VSPLTISW   "000100 xxxxx xxxxx xxxxx 01110001100" => vmx::native, "vspltisw";
    VSPLTB     "000100 xxxxx xxxxx xxxxx 01000001100" => vmx::splat, "vspltb";
    VSPLTH     "000100 xxxxx xxxxx xxxxx 01001001100" => vmx::splat, "vsplth";
    VSPLTW     "000100 xxxxx xxxxx xxxxx 01010001100" => vmx::splat, "vspltw";
    VSLO       "000100 xxxxx xxxxx xxxxx 10000001100" => vmx::helper, "vslo";
    VSRO       "000100 xxxxx xxxxx xxxxx 10001001100" => vmx::helper, "vsro";
    VSL        "000100 xxxxx xxxxx xxxxx 00111000100" => vmx::helper, "vsl";
    VSR        "000100 xxxxx xxxxx xxxxx 01011000100" => vmx::helper, "vsr";
    VSLB       "000100 xxxxx xxxxx xxxxx 00100000100" => vmx::shift, "vslb";
    VSLH       "000100 xxxxx xxxxx xxxxx 00101000100" => vmx::shift, "vslh";
    VSLW       "000100 xxxxx xxxxx xxxxx 00110000100" => vmx::shift, "vslw";
    VUPKHSB    "000100 xxxxx 00000 xxxxx 01000001110" => vmx::helper, "vupkhsb";
    VUPKHSH    "000100 xxxxx 00000 xxxxx 01001001110" => vmx::helper, "vupkhsh";
    VUPKHSW    "000100 xxxxx 00000 xxxxx 11001001110" => vmx::helper, "vupkhsw";
    VUPKLSB    "000100 xxxxx 00000 xxxxx 01010001110" => vmx::helper, "vupklsb";
    VUPKLSH    "000100 xxxxx 00000 xxxxx 01011001110" => vmx::helper, "vupklsh";
    VUPKLSW    "000100 xxxxx 00000 xxxxx 11011001110" => vmx::helper, "vupklsw";
    VMAXSB     "000100 xxxxx xxxxx xxxxx 00100000010" => vmx::helper, "vmaxsb";
    VMAXSH     "000100 xxxxx xxxxx xxxxx 00101000010" => vmx::helper, "vmaxsh";
    VMAXSW     "000100 xxxxx xxxxx xxxxx 00110000010" => vmx::helper, "vmaxsw";
    VMAXSD     "000100 xxxxx xxxxx xxxxx 00111000010" => vmx::helper, "vmaxsd";
    VMAXUD     "000100 xxxxx xxxxx xxxxx 00011000010" => vmx::helper, "vmaxud";
    VMINSB     "000100 xxxxx xxxxx xxxxx 01100000010" => vmx::helper, "vminsb";
    VMINSH     "000100 xxxxx xxxxx xxxxx 01101000010" => vmx::helper, "vminsh";
    VMINSW     "000100 xxxxx xxxxx xxxxx 01110000010" => vmx::helper, "vminsw";
    VMINSD     "000100 xxxxx xxxxx xxxxx 01111000010" => vmx::helper, "vminsd";
    VMINUD     "000100 xxxxx xxxxx xxxxx 01011000010" => vmx::helper, "vminud";
    VAVGUB     "000100 xxxxx xxxxx xxxxx 10000000010" => vmx::helper, "vavgub";
    VAVGUH     "000100 xxxxx xxxxx xxxxx 10001000010" => vmx::helper, "vavguh";
    VAVGUW     "000100 xxxxx xxxxx xxxxx 10010000010" => vmx::helper, "vavguw";
    VAVGSB     "000100 xxxxx xxxxx xxxxx 10100000010" => vmx::helper, "vavgsb";
    VAVGSH     "000100 xxxxx xxxxx xxxxx 10101000010" => vmx::helper, "vavgsh";
    VAVGSW     "000100 xxxxx xxxxx xxxxx 10110000010" => vmx::helper, "vavgsw";
    VMULEUB    "000100 xxxxx xxxxx xxxxx 01000001000" => vmx::helper, "vmuleub";
    VMULEUH    "000100 xxxxx xxxxx xxxxx 01001001000" => vmx::helper, "vmuleuh";
    VMULEUW    "000100 xxxxx xxxxx xxxxx 01010001000" => vmx::helper, "vmuleuw";
    VMULESB    "000100 xxxxx xxxxx xxxxx 01100001000" => vmx::helper, "vmulesb";
    VMULESH    "000100 xxxxx xxxxx xxxxx 01101001000" => vmx::helper, "vmulesh";
    VMULESW    "000100 xxxxx xxxxx xxxxx 01110001000" => vmx::helper, "vmulesw";
    VMULOUB    "000100 xxxxx xxxxx xxxxx 00000001000" => vmx::helper, "vmuloub";
    VMULOUH    "000100 xxxxx xxxxx xxxxx 00001001000" => vmx::helper, "vmulouh";
    VMULOUW    "000100 xxxxx xxxxx xxxxx 00010001000" => vmx::helper, "vmulouw";
    VMULOSB    "000100 xxxxx xxxxx xxxxx 00100001000" => vmx::helper, "vmulosb";
    VMULOSH    "000100 xxxxx xxxxx xxxxx 00101001000" => vmx::helper, "vmulosh";
    VMULOSW    "000100 xxxxx xxxxx xxxxx 00110001000" => vmx::helper, "vmulosw";
    VMULUWM    "000100 xxxxx xxxxx xxxxx 00010001001" => vmx::helper, "vmuluwm";
    VMULLD     "000100 xxxxx xxxxx xxxxx 00111001001" => vmx::helper, "vmulld";
    VEXTRACTUB "000100 xxxxx 0xxxx xxxxx 01000001101" => vmx::helper, "vextractub";
    VEXTRACTUH "000100 xxxxx 0xxxx xxxxx 01001001101" => vmx::helper, "vextractuh";
    VEXTRACTUW "000100 xxxxx 0xxxx xxxxx 01010001101" => vmx::helper, "vextractuw";
    VEXTRACTD  "000100 xxxxx 0xxxx xxxxx 01011001101" => vmx::helper, "vextractd";
    VMSUMUBM   "000100 xxxxx xxxxx xxxxx xxxxx 100100" => vmx::helper, "vmsumubm";
    VMSUMMBM   "000100 xxxxx xxxxx xxxxx xxxxx 100101" => vmx::helper, "vmsummbm";
    VMSUMUHM   "000100 xxxxx xxxxx xxxxx xxxxx 100110" => vmx::helper, "vmsumuhm";
    VMSUMUHS   "000100 xxxxx xxxxx xxxxx xxxxx 100111" => vmx::helper, "vmsumuhs";
    VMSUMSHM   "000100 xxxxx xxxxx xxxxx xxxxx 101000" => vmx::helper, "vmsumshm";
    VMSUMSHS   "000100 xxxxx xxxxx xxxxx xxxxx 101001" => vmx::helper, "vmsumshs";
    VMLADDUHM  "000100 xxxxx xxxxx xxxxx xxxxx 100010" => vmx::helper, "vmladduhm";
    VMULHUW    "000100 xxxxx xxxxx xxxxx 01010001001" => vmx::helper, "vmulhuw";
    VMULHSW    "000100 xxxxx xxxxx xxxxx 01110001001" => vmx::helper, "vmulhsw";
    VMULHUD    "000100 xxxxx xxxxx xxxxx 01011001001" => vmx::helper, "vmulhud";
    VMULHSD    "000100 xxxxx xxxxx xxxxx 01111001001" => vmx::helper, "vmulhsd";
    VDIVUQ     "000100 xxxxx xxxxx xxxxx 00000001011" => vmx::helper, "vdivuq";
    VMODUQ     "000100 xxxxx xxxxx xxxxx 11000001011" => vmx::helper, "vmoduq";
    VSLD       "000100 xxxxx xxxxx xxxxx 10111000100" => vmx::shift, "vsld";
    VSRD       "000100 xxxxx xxxxx xxxxx 11011000100" => vmx::shift, "vsrd";
    VSRAD      "000100 xxxxx xxxxx xxxxx 01111000100" => vmx::shift, "vsrad";
    VRLB       "000100 xxxxx xxxxx xxxxx 00000000100" => vmx::shift, "vrlb";
    VRLH       "000100 xxxxx xxxxx xxxxx 00001000100" => vmx::shift, "vrlh";
    VRLW       "000100 xxxxx xxxxx xxxxx 00010000100" => vmx::shift, "vrlw";
    VRLD       "000100 xxxxx xxxxx xxxxx 00011000100" => vmx::shift, "vrld";
    VSRB       "000100 xxxxx xxxxx xxxxx 01000000100" => vmx::shift, "vsrb";
    VSRH       "000100 xxxxx xxxxx xxxxx 01001000100" => vmx::shift, "vsrh";
    VSRW       "000100 xxxxx xxxxx xxxxx 01010000100" => vmx::shift, "vsrw";
    VSRAB      "000100 xxxxx xxxxx xxxxx 01100000100" => vmx::shift, "vsrab";
    VSRAH      "000100 xxxxx xxxxx xxxxx 01101000100" => vmx::shift, "vsrah";
    VSRAW      "000100 xxxxx xxxxx xxxxx 01110000100" => vmx::shift, "vsraw";
    VMRGHB     "000100 xxxxx xxxxx xxxxx 00000001100" => vmx::merge, "vmrghb";
    VMRGLB     "000100 xxxxx xxxxx xxxxx 00100001100" => vmx::merge, "vmrglb";
    VMRGHH     "000100 xxxxx xxxxx xxxxx 00001001100" => vmx::merge, "vmrghh";
    VMRGLH     "000100 xxxxx xxxxx xxxxx 00101001100" => vmx::merge, "vmrglh";
    VMRGHW     "000100 xxxxx xxxxx xxxxx 00010001100" => vmx::merge, "vmrghw";
    VMRGLW     "000100 xxxxx xxxxx xxxxx 00110001100" => vmx::merge, "vmrglw";
    VBPERMQ    "000100 xxxxx xxxxx xxxxx 10101001100" => vmx::bperm, "vbpermq";
    VGBBD      "000100 xxxxx 00000 xxxxx 10100001100" => vmx::helper, "vgbbd";
    VPKUHUM    "000100 xxxxx xxxxx xxxxx 00000001110" => vmx::helper, "vpkuhum";
    VPKUWUM    "000100 xxxxx xxxxx xxxxx 00001001110" => vmx::helper, "vpkuwum";
    VPKUDUM    "000100 xxxxx xxxxx xxxxx 10001001110" => vmx::helper, "vpkudum";
    VPOPCNTB   "000100 xxxxx xxxxx xxxxx 11100000011" => vmx::popcount, "vpopcntb";
    VPOPCNTH   "000100 xxxxx xxxxx xxxxx 11101000011" => vmx::popcount, "vpopcnth";
    VPOPCNTW   "000100 xxxxx xxxxx xxxxx 11110000011" => vmx::popcount, "vpopcntw";
    VPOPCNTD   "000100 xxxxx xxxxx xxxxx 11111000011" => vmx::popcount, "vpopcntd";
    VCLZB      "000100 xxxxx xxxxx xxxxx 11100000010" => vmx::helper, "vclzb";
    VCLZD      "000100 xxxxx xxxxx xxxxx 11111000010" => vmx::helper, "vclzd";
    VADDUBS    "000100 xxxxx xxxxx xxxxx 01000000000" => vmx::saturate_unsigned, "vaddubs";
    VSUBUBS    "000100 xxxxx xxxxx xxxxx 11000000000" => vmx::saturate_unsigned, "vsububs";
    VADDUHS    "000100 xxxxx xxxxx xxxxx 01001000000" => vmx::saturate_unsigned, "vadduhs";
    VADDUWS    "000100 xxxxx xxxxx xxxxx 01010000000" => vmx::saturate_unsigned, "vadduws";
    VADDSBS    "000100 xxxxx xxxxx xxxxx 01100000000" => vmx::helper, "vaddsbs";
    VADDSHS    "000100 xxxxx xxxxx xxxxx 01101000000" => vmx::helper, "vaddshs";
    VADDSWS    "000100 xxxxx xxxxx xxxxx 01110000000" => vmx::helper, "vaddsws";
    VSUBUHS    "000100 xxxxx xxxxx xxxxx 11001000000" => vmx::saturate_unsigned, "vsubuhs";
    VSUBUWS    "000100 xxxxx xxxxx xxxxx 11010000000" => vmx::saturate_unsigned, "vsubuws";
    VSUBSBS    "000100 xxxxx xxxxx xxxxx 11100000000" => vmx::helper, "vsubsbs";
    VSUBSHS    "000100 xxxxx xxxxx xxxxx 11101000000" => vmx::helper, "vsubshs";
    VSUBSWS    "000100 xxxxx xxxxx xxxxx 11110000000" => vmx::helper, "vsubsws";
    VSUMSWS    "000100 xxxxx xxxxx xxxxx 11110001000" => vmx::helper, "vsumsws";
    VADDUQM    "000100 xxxxx xxxxx xxxxx 00100000000" => vmx::helper, "vadduqm";
    VEXTUBRX   "000100 xxxxx xxxxx xxxxx 11100001101" => vmx::to_gpr, "vextubrx";
    VEXTUBLX   "000100 xxxxx xxxxx xxxxx 11000001101" => vmx::to_gpr, "vextublx";
    MFVSCR     "000100 xxxxx xxxxx xxxxx 11000000100" => vmx::helper, "mfvscr";
    MTVSCR     "000100 xxxxx xxxxx xxxxx 11001000100" => vmx::helper, "mtvscr";
    VEXTRACTBM "000100 xxxxx 01000 xxxxx 11001000010" => vmx::helper, "vextractbm";
    VEXTRACTHM "000100 xxxxx 01001 xxxxx 11001000010" => vmx::helper, "vextracthm";
    VEXTRACTWM "000100 xxxxx 01010 xxxxx 11001000010" => vmx::helper, "vextractwm";
    VEXTRACTDM "000100 xxxxx 01011 xxxxx 11001000010" => vmx::helper, "vextractdm";
    VEXTRACTQM "000100 xxxxx 01100 xxxxx 11001000010" => vmx::helper, "vextractqm";
    VCIPHER    "000100 xxxxx xxxxx xxxxx 10100001000" => vmx::helper, "vcipher";
    VCIPHERLAST "000100 xxxxx xxxxx xxxxx 10100001001" => vmx::helper, "vcipherlast";
    VNCIPHER   "000100 xxxxx xxxxx xxxxx 10101001000" => vmx::helper, "vncipher";
    VNCIPHERLAST "000100 xxxxx xxxxx xxxxx 10101001001" => vmx::helper, "vncipherlast";
    VSBOX      "000100 xxxxx xxxxx 00000 10111001000" => vmx::helper, "vsbox";
    VPMSUMB    "000100 xxxxx xxxxx xxxxx 10000001000" => vmx::helper, "vpmsumb";
    VPMSUMH    "000100 xxxxx xxxxx xxxxx 10001001000" => vmx::helper, "vpmsumh";
    VPMSUMW    "000100 xxxxx xxxxx xxxxx 10010001000" => vmx::helper, "vpmsumw";
    VPMSUMD    "000100 xxxxx xxxxx xxxxx 10011001000" => vmx::helper, "vpmsumd";
    VSHASIGMAW "000100 xxxxx xxxxx xxxxx 11010000010" => vmx::helper, "vshasigmaw";
    VSHASIGMAD "000100 xxxxx xxxxx xxxxx 11011000010" => vmx::helper, "vshasigmad";
    VNEGW      "000100 xxxxx 00110 xxxxx 11000000010" => vmx::helper, "vnegw";
    VNEGD      "000100 xxxxx 00111 xxxxx 11000000010" => vmx::helper, "vnegd";
    VPRTYBW    "000100 xxxxx 01000 xxxxx 11000000010" => vmx::helper, "vprtybw";
    VPRTYBD    "000100 xxxxx 01001 xxxxx 11000000010" => vmx::helper, "vprtybd";
    VPRTYBQ    "000100 xxxxx 01010 xxxxx 11000000010" => vmx::helper, "vprtybq";
    VEXTSB2W   "000100 xxxxx 10000 xxxxx 11000000010" => vmx::helper, "vextsb2w";
    VEXTSH2W   "000100 xxxxx 10001 xxxxx 11000000010" => vmx::helper, "vextsh2w";
    VEXTSB2D   "000100 xxxxx 11000 xxxxx 11000000010" => vmx::helper, "vextsb2d";
    VEXTSH2D   "000100 xxxxx 11001 xxxxx 11000000010" => vmx::helper, "vextsh2d";
    VEXTSW2D   "000100 xxxxx 11010 xxxxx 11000000010" => vmx::helper, "vextsw2d";
    VCTZB      "000100 xxxxx 11100 xxxxx 11000000010" => vmx::helper, "vctzb";
    VCTZH      "000100 xxxxx 11101 xxxxx 11000000010" => vmx::helper, "vctzh";
    VCTZW      "000100 xxxxx 11110 xxxxx 11000000010" => vmx::helper, "vctzw";
    VCTZD      "000100 xxxxx 11111 xxxxx 11000000010" => vmx::helper, "vctzd";
    VEXTUHLX   "000100 xxxxx xxxxx xxxxx 11001001101" => vmx::helper, "vextuhlx";
    VEXTUWLX   "000100 xxxxx xxxxx xxxxx 11010001101" => vmx::helper, "vextuwlx";
    VEXTUHRX   "000100 xxxxx xxxxx xxxxx 11101001101" => vmx::helper, "vextuhrx";
    VEXTUWRX   "000100 xxxxx xxxxx xxxxx 11110001101" => vmx::helper, "vextuwrx";
    VRLWNM     "000100 xxxxx xxxxx xxxxx 00110000101" => vmx::helper, "vrlwnm";
    VRLDNM     "000100 xxxxx xxxxx xxxxx 00111000101" => vmx::helper, "vrldnm";
    VRLWMI     "000100 xxxxx xxxxx xxxxx 00010000101" => vmx::helper, "vrlwmi";
    VRLDMI     "000100 xxxxx xxxxx xxxxx 00011000101" => vmx::helper, "vrldmi";
    VCTZLSBB   "000100 xxxxx 00001 xxxxx 11000000010" => vmx::to_gpr, "vctzlsbb";
    VCLZLSBB   "000100 xxxxx 00000 xxxxx 11000000010" => vmx::to_gpr, "vclzlsbb";
    VCMPEQUB   "000100 xxxxx xxxxx xxxxx x 0000000110" => vmx::compare, "vcmpequb vcmpequb.";
    VCMPEQUH   "000100 xxxxx xxxxx xxxxx x 0001000110" => vmx::compare, "vcmpequh vcmpequh.";
    VCMPEQUW   "000100 xxxxx xxxxx xxxxx x 0010000110" => vmx::compare, "vcmpequw vcmpequw.";
    VCMPEQUD   "000100 xxxxx xxxxx xxxxx x 0011000111" => vmx::compare, "vcmpequd vcmpequd.";
    VCMPGTUB   "000100 xxxxx xxxxx xxxxx x 1000000110" => vmx::compare, "vcmpgtub vcmpgtub.";
    VCMPGTUH   "000100 xxxxx xxxxx xxxxx x 1001000110" => vmx::compare, "vcmpgtuh vcmpgtuh.";
    VCMPGTUW   "000100 xxxxx xxxxx xxxxx x 1010000110" => vmx::compare, "vcmpgtuw vcmpgtuw.";
    VCMPGTSB   "000100 xxxxx xxxxx xxxxx x 1100000110" => vmx::compare, "vcmpgtsb vcmpgtsb.";
    VCMPGTSW   "000100 xxxxx xxxxx xxxxx x 1110000110" => vmx::compare, "vcmpgtsw vcmpgtsw.";
    VCMPNEB    "000100 xxxxx xxxxx xxxxx x 0000000111" => vmx::compare, "vcmpneb vcmpneb.";
    VCMPNEZB   "000100 xxxxx xxxxx xxxxx x 0100000111" => vmx::compare, "vcmpnezb vcmpnezb.";
    VCMPNEH    "000100 xxxxx xxxxx xxxxx x 0001000111" => vmx::compare, "vcmpneh vcmpneh.";
    VCMPNEZH   "000100 xxxxx xxxxx xxxxx x 0101000111" => vmx::compare, "vcmpnezh vcmpnezh.";
    VCMPNEZW   "000100 xxxxx xxxxx xxxxx x 0110000111" => vmx::compare, "vcmpnezw vcmpnezw.";
    VCMPGTSH   "000100 xxxxx xxxxx xxxxx x 1101000110" => vmx::compare, "vcmpgtsh vcmpgtsh.";
    VCMPGTSD   "000100 xxxxx xxxxx xxxxx x 1111000111" => vmx::compare, "vcmpgtsd vcmpgtsd.";
    VCMPGTUD   "000100 xxxxx xxxxx xxxxx x 1011000111" => vmx::compare, "vcmpgtud vcmpgtud.";
    VCMPNEW    "000100 xxxxx xxxxx xxxxx x 0010000111" => vmx::compare, "vcmpnew vcmpnew.";
    VPERM      "000100 xxxxx xxxxx xxxxx xxxxx 101011" => vmx::permute, "vperm";
    VSEL       "000100 xxxxx xxxxx xxxxx xxxxx 101010" => vmx::va_native, "vsel";
    VSLDOI     "000100 xxxxx xxxxx xxxxx xxxxx 101100" => vmx::va_native, "vsldoi";
    VPERMR     "000100 xxxxx xxxxx xxxxx xxxxx 111011" => vmx::permute, "vpermr";
    // ---- Vector-scalar facility (VSX, Book I chapter 7) ----
    LXVD2X     "011111 xxxxx xxxxx xxxxx 1101001100 x" => vsx::load_store, "lxvd2x";
    STXVD2X    "011111 xxxxx xxxxx xxxxx 1111001100 x" => vsx::load_store, "stxvd2x";
    LXVW4X     "011111 xxxxx xxxxx xxxxx 1100001100 x" => vsx::load_store, "lxvw4x";
    STXVW4X    "011111 xxxxx xxxxx xxxxx 1110001100 x" => vsx::load_store, "stxvw4x";
    LXVDSX     "011111 xxxxx xxxxx xxxxx 0101001100 x" => vsx::load_store, "lxvdsx";
    LXSDX      "011111 xxxxx xxxxx xxxxx 1001001100 x" => vsx::load_store, "lxsdx";
    STXSDX     "011111 xxxxx xxxxx xxxxx 1011001100 x" => vsx::load_store, "stxsdx";
    LXSIWZX    "011111 xxxxx xxxxx xxxxx 0000001100 x" => vsx::load_store, "lxsiwzx";
    LXSIWAX    "011111 xxxxx xxxxx xxxxx 0001001100 x" => vsx::load_store, "lxsiwax";
    STXSIWX    "011111 xxxxx xxxxx xxxxx 0010001100 x" => vsx::load_store, "stxsiwx";
    LXSSPX     "011111 xxxxx xxxxx xxxxx 1000001100 x" => vsx::load_store, "lxsspx";
    STXSSPX    "011111 xxxxx xxxxx xxxxx 1010001100 x" => vsx::load_store, "stxsspx";
    LXVX       "011111 xxxxx xxxxx xxxxx 0100001100 x" => vsx::load_store, "lxvx";
    STXVX      "011111 xxxxx xxxxx xxxxx 0110001100 x" => vsx::load_store, "stxvx";
    LXVB16X    "011111 xxxxx xxxxx xxxxx 1101101100 x" => vsx::load_store, "lxvb16x";
    STXVB16X   "011111 xxxxx xxxxx xxxxx 1111101100 x" => vsx::load_store, "stxvb16x";
    LXVL       "011111 xxxxx xxxxx xxxxx 0100001101 x" => vsx::load_store_len, "lxvl";
    LXVLL      "011111 xxxxx xxxxx xxxxx 0100101101 x" => vsx::load_store_len, "lxvll";
    STXVL      "011111 xxxxx xxxxx xxxxx 0110001101 x" => vsx::load_store_len, "stxvl";
    STXVLL     "011111 xxxxx xxxxx xxxxx 0110101101 x" => vsx::load_store_len, "stxvll";
    LXVH8X     "011111 xxxxx xxxxx xxxxx 1100101100 x" => vsx::load_store, "lxvh8x";
    STXVH8X    "011111 xxxxx xxxxx xxxxx 1110101100 x" => vsx::load_store, "stxvh8x";
    LXVWSX     "011111 xxxxx xxxxx xxxxx 0101101100 x" => vsx::load_store, "lxvwsx";
    LXSIBZX    "011111 xxxxx xxxxx xxxxx 1100001101 x" => vsx::load_store, "lxsibzx";
    LXSIHZX    "011111 xxxxx xxxxx xxxxx 1100101101 x" => vsx::load_store, "lxsihzx";
    STXSIBX    "011111 xxxxx xxxxx xxxxx 1110001101 x" => vsx::load_store, "stxsibx";
    STXSIHX    "011111 xxxxx xxxxx xxxxx 1110101101 x" => vsx::load_store, "stxsihx";
    LXVP       "000110 xxxxx xxxxx xxxxxxxxxxxx 0000" => vsx::pair, "lxvp";
    STXVP      "000110 xxxxx xxxxx xxxxxxxxxxxx 0001" => vsx::pair, "stxvp";
    MFVSRD     "011111 xxxxx xxxxx xxxxx 0000110011 x" => vsx::moves, "mfvsrd mffprd mfvrd";
    MFVSRWZ    "011111 xxxxx xxxxx xxxxx 0001110011 x" => vsx::moves, "mfvsrwz mffprwz mfvrwz";
    MTVSRD     "011111 xxxxx xxxxx xxxxx 0010110011 x" => vsx::moves, "mtvsrd mtfprd mtvrd";
    MTVSRWA    "011111 xxxxx xxxxx xxxxx 0011010011 x" => vsx::moves, "mtvsrwa mtfprwa mtvrwa";
    MTVSRWZ    "011111 xxxxx xxxxx xxxxx 0011110011 x" => vsx::moves, "mtvsrwz mtfprwz mtvrwz";
    MFVSRLD    "011111 xxxxx xxxxx xxxxx 0100110011 x" => vsx::moves, "mfvsrld";
    MTVSRDD    "011111 xxxxx xxxxx xxxxx 0110110011 x" => vsx::moves, "mtvsrdd";
    MTVSRWS    "011111 xxxxx xxxxx xxxxx 0110010011 x" => vsx::moves, "mtvsrws";
    LXV        "111101 xxxxx xxxxx xxxxxxxxxxxx x 001" => vsx::dq, "lxv";
    STXV       "111101 xxxxx xxxxx xxxxxxxxxxxx x 101" => vsx::dq, "stxv";
    LXSD       "111001 xxxxx xxxxx xxxxxxxxxxxxxx 10" => vsx::ds, "lxsd";
    LXSSP      "111001 xxxxx xxxxx xxxxxxxxxxxxxx 11" => vsx::ds, "lxssp";
    STXSD      "111101 xxxxx xxxxx xxxxxxxxxxxxxx 10" => vsx::ds, "stxsd";
    STXSSP     "111101 xxxxx xxxxx xxxxxxxxxxxxxx 11" => vsx::ds, "stxssp";
    XXLAND     "111100 xxxxx xxxxx xxxxx 10000010 xxx" => vsx::logical, "xxland";
    XXLANDC    "111100 xxxxx xxxxx xxxxx 10001010 xxx" => vsx::logical, "xxlandc";
    XXLOR      "111100 xxxxx xxxxx xxxxx 10010010 xxx" => vsx::logical, "xxlor xxmr";
    XXLXOR     "111100 xxxxx xxxxx xxxxx 10011010 xxx" => vsx::logical, "xxlxor";
    XXLNOR     "111100 xxxxx xxxxx xxxxx 10100010 xxx" => vsx::logical, "xxlnor xxlnot";
    XXLORC     "111100 xxxxx xxxxx xxxxx 10101010 xxx" => vsx::logical, "xxlorc";
    XXLNAND    "111100 xxxxx xxxxx xxxxx 10110010 xxx" => vsx::logical, "xxlnand";
    XXLEQV     "111100 xxxxx xxxxx xxxxx 10111010 xxx" => vsx::logical, "xxleqv";
    XXPERMDI   "111100 xxxxx xxxxx xxxxx 0 xx 01010 xxx" => vsx::permute, "xxpermdi xxmrghd xxmrgld xxspltd xxswapd";
    XXSLDWI    "111100 xxxxx xxxxx xxxxx 0 xx 00010 xxx" => vsx::permute, "xxsldwi";
    XXMRGHW    "111100 xxxxx xxxxx xxxxx 00010010 xxx" => vsx::permute, "xxmrghw";
    XXMRGLW    "111100 xxxxx xxxxx xxxxx 00110010 xxx" => vsx::permute, "xxmrglw";
    XXPERM     "111100 xxxxx xxxxx xxxxx 00011010 xxx" => vsx::permute, "xxperm";
    XXPERMR    "111100 xxxxx xxxxx xxxxx 00111010 xxx" => vsx::permute, "xxpermr";
    XXSPLTW    "111100 xxxxx xxxxx xxxxx 010100100 xx" => vsx::permute, "xxspltw";
    XXSEL      "111100 xxxxx xxxxx xxxxx xxxxx 11 xxxx" => vsx::permute, "xxsel";
    XXSPLTIB   "111100 xxxxx 00xxx xxxxx 0101101000 x" => vsx::permute, "xxspltib";
    XXBRH      "111100 xxxxx 00111 xxxxx 111011011 xx" => vsx::permute, "xxbrh";
    XXBRW      "111100 xxxxx 01111 xxxxx 111011011 xx" => vsx::permute, "xxbrw";
    XXBRD      "111100 xxxxx 10111 xxxxx 111011011 xx" => vsx::permute, "xxbrd";
    XXBRQ      "111100 xxxxx 11111 xxxxx 111011011 xx" => vsx::permute, "xxbrq";
    XVADDDP    "111100 xxxxx xxxxx xxxxx 01100000 xxx" => vsx::helper, "xvadddp";
    XVSUBDP    "111100 xxxxx xxxxx xxxxx 01101000 xxx" => vsx::helper, "xvsubdp";
    XVMULDP    "111100 xxxxx xxxxx xxxxx 01110000 xxx" => vsx::helper, "xvmuldp";
    XVDIVDP    "111100 xxxxx xxxxx xxxxx 01111000 xxx" => vsx::helper, "xvdivdp";
    XVADDSP    "111100 xxxxx xxxxx xxxxx 01000000 xxx" => vsx::helper, "xvaddsp";
    XVSUBSP    "111100 xxxxx xxxxx xxxxx 01001000 xxx" => vsx::helper, "xvsubsp";
    XVMULSP    "111100 xxxxx xxxxx xxxxx 01010000 xxx" => vsx::helper, "xvmulsp";
    XVDIVSP    "111100 xxxxx xxxxx xxxxx 01011000 xxx" => vsx::helper, "xvdivsp";
    XVMADDADP  "111100 xxxxx xxxxx xxxxx 01100001 xxx" => vsx::helper, "xvmaddadp";
    XVMADDMDP  "111100 xxxxx xxxxx xxxxx 01101001 xxx" => vsx::helper, "xvmaddmdp";
    XVMSUBADP  "111100 xxxxx xxxxx xxxxx 01110001 xxx" => vsx::helper, "xvmsubadp";
    XVMSUBMDP  "111100 xxxxx xxxxx xxxxx 01111001 xxx" => vsx::helper, "xvmsubmdp";
    XVNMADDADP "111100 xxxxx xxxxx xxxxx 11100001 xxx" => vsx::helper, "xvnmaddadp";
    XVNMADDMDP "111100 xxxxx xxxxx xxxxx 11101001 xxx" => vsx::helper, "xvnmaddmdp";
    XVNMSUBADP "111100 xxxxx xxxxx xxxxx 11110001 xxx" => vsx::helper, "xvnmsubadp";
    XVNMSUBMDP "111100 xxxxx xxxxx xxxxx 11111001 xxx" => vsx::helper, "xvnmsubmdp";
    XVMADDASP  "111100 xxxxx xxxxx xxxxx 01000001 xxx" => vsx::helper, "xvmaddasp";
    XVMADDMSP  "111100 xxxxx xxxxx xxxxx 01001001 xxx" => vsx::helper, "xvmaddmsp";
    XVMSUBASP  "111100 xxxxx xxxxx xxxxx 01010001 xxx" => vsx::helper, "xvmsubasp";
    XVMSUBMSP  "111100 xxxxx xxxxx xxxxx 01011001 xxx" => vsx::helper, "xvmsubmsp";
    XVNMADDASP "111100 xxxxx xxxxx xxxxx 11000001 xxx" => vsx::helper, "xvnmaddasp";
    XVNMADDMSP "111100 xxxxx xxxxx xxxxx 11001001 xxx" => vsx::helper, "xvnmaddmsp";
    XVNMSUBASP "111100 xxxxx xxxxx xxxxx 11010001 xxx" => vsx::helper, "xvnmsubasp";
    XVNMSUBMSP "111100 xxxxx xxxxx xxxxx 11011001 xxx" => vsx::helper, "xvnmsubmsp";
    XSCMPEQDP  "111100 xxxxx xxxxx xxxxx 00000011 xxx" => vsx::helper, "xscmpeqdp";
    XSCMPGTDP  "111100 xxxxx xxxxx xxxxx 00001011 xxx" => vsx::helper, "xscmpgtdp";
    XSCMPGEDP  "111100 xxxxx xxxxx xxxxx 00010011 xxx" => vsx::helper, "xscmpgedp";
    XVCMPEQDP  "111100 xxxxx xxxxx xxxxx x 1100011 xxx" => vsx::helper, "xvcmpeqdp xvcmpeqdp.";
    XVCMPGTDP  "111100 xxxxx xxxxx xxxxx x 1101011 xxx" => vsx::helper, "xvcmpgtdp xvcmpgtdp.";
    XVCMPGEDP  "111100 xxxxx xxxxx xxxxx x 1110011 xxx" => vsx::helper, "xvcmpgedp xvcmpgedp.";
    XVCMPEQSP  "111100 xxxxx xxxxx xxxxx x 1000011 xxx" => vsx::helper, "xvcmpeqsp xvcmpeqsp.";
    XVCMPGTSP  "111100 xxxxx xxxxx xxxxx x 1001011 xxx" => vsx::helper, "xvcmpgtsp xvcmpgtsp.";
    XVCMPGESP  "111100 xxxxx xxxxx xxxxx x 1010011 xxx" => vsx::helper, "xvcmpgesp xvcmpgesp.";
    XVCVSPSXWS "111100 xxxxx 00000 xxxxx 010011000 xx" => vsx::helper, "xvcvspsxws";
    XVCVSPUXWS "111100 xxxxx 00000 xxxxx 010001000 xx" => vsx::helper, "xvcvspuxws";
    XVCVSXWSP  "111100 xxxxx 00000 xxxxx 010111000 xx" => vsx::helper, "xvcvsxwsp";
    XVCVUXWSP  "111100 xxxxx 00000 xxxxx 010101000 xx" => vsx::helper, "xvcvuxwsp";
    XVABSSP    "111100 xxxxx 00000 xxxxx 110011001 xx" => vsx::helper, "xvabssp";
    XVNABSSP   "111100 xxxxx 00000 xxxxx 110101001 xx" => vsx::helper, "xvnabssp";
    XVNEGSP    "111100 xxxxx 00000 xxxxx 110111001 xx" => vsx::helper, "xvnegsp";
    XVABSDP    "111100 xxxxx 00000 xxxxx 111011001 xx" => vsx::helper, "xvabsdp";
    XVNABSDP   "111100 xxxxx 00000 xxxxx 111101001 xx" => vsx::helper, "xvnabsdp";
    XVNEGDP    "111100 xxxxx 00000 xxxxx 111111001 xx" => vsx::helper, "xvnegdp";
    XXEXTRACTUW "111100 xxxxx 0xxxx xxxxx 010100101 xx" => vsx::helper, "xxextractuw";
    XXINSERTW  "111100 xxxxx 0xxxx xxxxx 010110101 xx" => vsx::helper, "xxinsertw";
    XSXEXPDP   "111100 xxxxx 00000 xxxxx 101011011 x0" => vsx::helper, "xsxexpdp";
    XSXSIGDP   "111100 xxxxx 00001 xxxxx 101011011 x0" => vsx::helper, "xsxsigdp";
    XSCVHPDP   "111100 xxxxx 10000 xxxxx 101011011 xx" => vsx::helper, "xscvhpdp";
    XSCVDPHP   "111100 xxxxx 10001 xxxxx 101011011 xx" => vsx::helper, "xscvdphp";
    XSCMPEXPDP "111100 xxx00 xxxxx xxxxx 00111011 xx0" => vsx::helper, "xscmpexpdp";
    XSIEXPDP   "111100 xxxxx xxxxx xxxxx 1110010110 x" => vsx::helper, "xsiexpdp";
    XSADDDP    "111100 xxxxx xxxxx xxxxx 00100000 xxx" => vsx::scalar, "xsadddp";
    XSSUBDP    "111100 xxxxx xxxxx xxxxx 00101000 xxx" => vsx::scalar, "xssubdp";
    XSMULDP    "111100 xxxxx xxxxx xxxxx 00110000 xxx" => vsx::scalar, "xsmuldp";
    XSDIVDP    "111100 xxxxx xxxxx xxxxx 00111000 xxx" => vsx::scalar, "xsdivdp";
    XSMAXDP    "111100 xxxxx xxxxx xxxxx 10100000 xxx" => vsx::scalar, "xsmaxdp";
    XSMINDP    "111100 xxxxx xxxxx xxxxx 10101000 xxx" => vsx::scalar, "xsmindp";
    XSCPSGNDP  "111100 xxxxx xxxxx xxxxx 10110000 xxx" => vsx::scalar, "xscpsgndp";
    XSMADDASP  "111100 xxxxx xxxxx xxxxx 00000001 xxx" => vsx::scalar, "xsmaddasp";
    XSMADDMSP  "111100 xxxxx xxxxx xxxxx 00001001 xxx" => vsx::scalar, "xsmaddmsp";
    XSMSUBASP  "111100 xxxxx xxxxx xxxxx 00010001 xxx" => vsx::scalar, "xsmsubasp";
    XSMSUBMSP  "111100 xxxxx xxxxx xxxxx 00011001 xxx" => vsx::scalar, "xsmsubmsp";
    XSNMADDASP "111100 xxxxx xxxxx xxxxx 10000001 xxx" => vsx::scalar, "xsnmaddasp";
    XSNMADDMSP "111100 xxxxx xxxxx xxxxx 10001001 xxx" => vsx::scalar, "xsnmaddmsp";
    XSNMSUBASP "111100 xxxxx xxxxx xxxxx 10010001 xxx" => vsx::scalar, "xsnmsubasp";
    XSNMSUBMSP "111100 xxxxx xxxxx xxxxx 10011001 xxx" => vsx::scalar, "xsnmsubmsp";
    XSNMADDADP "111100 xxxxx xxxxx xxxxx 10100001 xxx" => vsx::scalar, "xsnmaddadp";
    XSNMADDMDP "111100 xxxxx xxxxx xxxxx 10101001 xxx" => vsx::scalar, "xsnmaddmdp";
    XSNMSUBADP "111100 xxxxx xxxxx xxxxx 10110001 xxx" => vsx::scalar, "xsnmsubadp";
    XSNMSUBMDP "111100 xxxxx xxxxx xxxxx 10111001 xxx" => vsx::scalar, "xsnmsubmdp";
    XSMADDADP  "111100 xxxxx xxxxx xxxxx 00100001 xxx" => vsx::scalar, "xsmaddadp";
    XSMADDMDP  "111100 xxxxx xxxxx xxxxx 00101001 xxx" => vsx::scalar, "xsmaddmdp";
    XSMSUBADP  "111100 xxxxx xxxxx xxxxx 00110001 xxx" => vsx::scalar, "xsmsubadp";
    XSMSUBMDP  "111100 xxxxx xxxxx xxxxx 00111001 xxx" => vsx::scalar, "xsmsubmdp";
    XSADDSP    "111100 xxxxx xxxxx xxxxx 00000000 xxx" => vsx::scalar, "xsaddsp";
    XSSUBSP    "111100 xxxxx xxxxx xxxxx 00001000 xxx" => vsx::scalar, "xssubsp";
    XSMULSP    "111100 xxxxx xxxxx xxxxx 00010000 xxx" => vsx::scalar, "xsmulsp";
    XSDIVSP    "111100 xxxxx xxxxx xxxxx 00011000 xxx" => vsx::scalar, "xsdivsp";
    XSCMPUDP   "111100 xxx00 xxxxx xxxxx 00100011 xx0" => vsx::scalar, "xscmpudp";
    XSSQRTDP   "111100 xxxxx xxxxx xxxxx 001001011 xx" => vsx::scalar2, "xssqrtdp";
    XSCVDPSP   "111100 xxxxx xxxxx xxxxx 100001001 xx" => vsx::scalar2, "xscvdpsp";
    XSRSP      "111100 xxxxx 00000 xxxxx 100011001 xx" => vsx::scalar2, "xsrsp";
    XSCVSPDP   "111100 xxxxx xxxxx xxxxx 101001001 xx" => vsx::scalar2, "xscvspdp";
    XSCVDPSPN  "111100 xxxxx xxxxx xxxxx 100001011 xx" => vsx::scalar2, "xscvdpspn";
    XSCVSPDPN  "111100 xxxxx xxxxx xxxxx 101001011 xx" => vsx::scalar2, "xscvspdpn";
    XSCVDPSXDS "111100 xxxxx xxxxx xxxxx 101011000 xx" => vsx::scalar2, "xscvdpsxds";
    XSCVDPSXWS "111100 xxxxx xxxxx xxxxx 001011000 xx" => vsx::scalar2, "xscvdpsxws";
    XSCVDPUXDS "111100 xxxxx xxxxx xxxxx 101001000 xx" => vsx::scalar2, "xscvdpuxds";
    XSCVDPUXWS "111100 xxxxx xxxxx xxxxx 001001000 xx" => vsx::scalar2, "xscvdpuxws";
    XSCVSXDDP  "111100 xxxxx xxxxx xxxxx 101111000 xx" => vsx::scalar2, "xscvsxddp";
    XSCVUXDDP  "111100 xxxxx xxxxx xxxxx 101101000 xx" => vsx::scalar2, "xscvuxddp";
    XSCVSXDSP  "111100 xxxxx xxxxx xxxxx 100111000 xx" => vsx::scalar2, "xscvsxdsp";
    XSCVUXDSP  "111100 xxxxx xxxxx xxxxx 100101000 xx" => vsx::scalar2, "xscvuxdsp";
    XSABSDP    "111100 xxxxx xxxxx xxxxx 101011001 xx" => vsx::scalar2, "xsabsdp";
    XSNABSDP   "111100 xxxxx xxxxx xxxxx 101101001 xx" => vsx::scalar2, "xsnabsdp";
    XSNEGDP    "111100 xxxxx xxxxx xxxxx 101111001 xx" => vsx::scalar2, "xsnegdp";
    XSRDPI     "111100 xxxxx xxxxx xxxxx 001001001 xx" => vsx::scalar2, "xsrdpi";
    XSRDPIZ    "111100 xxxxx xxxxx xxxxx 001011001 xx" => vsx::scalar2, "xsrdpiz";
    XSRDPIP    "111100 xxxxx xxxxx xxxxx 001101001 xx" => vsx::scalar2, "xsrdpip";
    XSRDPIM    "111100 xxxxx xxxxx xxxxx 001111001 xx" => vsx::scalar2, "xsrdpim";
    XVSQRTSP   "111100 xxxxx 00000 xxxxx 010001011 xx" => vsx::fp_ext, "xvsqrtsp";
    XVSQRTDP   "111100 xxxxx 00000 xxxxx 011001011 xx" => vsx::fp_ext, "xvsqrtdp";
    XVRESP     "111100 xxxxx 00000 xxxxx 010011010 xx" => vsx::fp_ext, "xvresp";
    XVREDP     "111100 xxxxx 00000 xxxxx 011011010 xx" => vsx::fp_ext, "xvredp";
    XVRSQRTESP "111100 xxxxx 00000 xxxxx 010001010 xx" => vsx::fp_ext, "xvrsqrtesp";
    XVRSQRTEDP "111100 xxxxx 00000 xxxxx 011001010 xx" => vsx::fp_ext, "xvrsqrtedp";
    XVTSQRTSP  "111100 xxx00 00000 xxxxx 010101010 x0" => vsx::fp_ext, "xvtsqrtsp";
    XVTSQRTDP  "111100 xxx00 00000 xxxxx 011101010 x0" => vsx::fp_ext, "xvtsqrtdp";
    XSTSQRTDP  "111100 xxx00 00000 xxxxx 001101010 x0" => vsx::fp_ext, "xstsqrtdp";
    XVTDIVSP   "111100 xxx00 xxxxx xxxxx 01011101 xx0" => vsx::fp_ext, "xvtdivsp";
    XVTDIVDP   "111100 xxx00 xxxxx xxxxx 01111101 xx0" => vsx::fp_ext, "xvtdivdp";
    XSTDIVDP   "111100 xxx00 xxxxx xxxxx 00111101 xx0" => vsx::fp_ext, "xstdivdp";
    XSRSQRTEDP "111100 xxxxx 00000 xxxxx 001001010 xx" => vsx::fp_ext, "xsrsqrtedp";
    XSREDP     "111100 xxxxx 00000 xxxxx 001011010 xx" => vsx::fp_ext, "xsredp";
    XSSQRTSP   "111100 xxxxx 00000 xxxxx 000001011 xx" => vsx::fp_ext, "xssqrtsp";
    XSRESP     "111100 xxxxx 00000 xxxxx 000011010 xx" => vsx::fp_ext, "xsresp";
    XSRSQRTESP "111100 xxxxx 00000 xxxxx 000001010 xx" => vsx::fp_ext, "xsrsqrtesp";
    XVMAXSP    "111100 xxxxx xxxxx xxxxx 11000000 xxx" => vsx::fp_ext, "xvmaxsp";
    XVMINSP    "111100 xxxxx xxxxx xxxxx 11001000 xxx" => vsx::fp_ext, "xvminsp";
    XVMAXDP    "111100 xxxxx xxxxx xxxxx 11100000 xxx" => vsx::fp_ext, "xvmaxdp";
    XVMINDP    "111100 xxxxx xxxxx xxxxx 11101000 xxx" => vsx::fp_ext, "xvmindp";
    XVCPSGNSP  "111100 xxxxx xxxxx xxxxx 11010000 xxx" => vsx::fp_ext, "xvcpsgnsp xvmovsp";
    XVCPSGNDP  "111100 xxxxx xxxxx xxxxx 11110000 xxx" => vsx::fp_ext, "xvcpsgndp xvmovdp";
    XSMAXCDP   "111100 xxxxx xxxxx xxxxx 10000000 xxx" => vsx::fp_ext, "xsmaxcdp";
    XSMINCDP   "111100 xxxxx xxxxx xxxxx 10001000 xxx" => vsx::fp_ext, "xsmincdp";
    XSMAXJDP   "111100 xxxxx xxxxx xxxxx 10010000 xxx" => vsx::fp_ext, "xsmaxjdp";
    XSMINJDP   "111100 xxxxx xxxxx xxxxx 10011000 xxx" => vsx::fp_ext, "xsminjdp";
    XSCMPODP   "111100 xxx00 xxxxx xxxxx 00101011 xx0" => vsx::fp_ext, "xscmpodp";
    XVRSPI     "111100 xxxxx 00000 xxxxx 010001001 xx" => vsx::fp_ext, "xvrspi";
    XVRSPIC    "111100 xxxxx 00000 xxxxx 010101011 xx" => vsx::fp_ext, "xvrspic";
    XVRSPIM    "111100 xxxxx 00000 xxxxx 010111001 xx" => vsx::fp_ext, "xvrspim";
    XVRSPIP    "111100 xxxxx 00000 xxxxx 010101001 xx" => vsx::fp_ext, "xvrspip";
    XVRSPIZ    "111100 xxxxx 00000 xxxxx 010011001 xx" => vsx::fp_ext, "xvrspiz";
    XVRDPI     "111100 xxxxx 00000 xxxxx 011001001 xx" => vsx::fp_ext, "xvrdpi";
    XVRDPIC    "111100 xxxxx 00000 xxxxx 011101011 xx" => vsx::fp_ext, "xvrdpic";
    XVRDPIM    "111100 xxxxx 00000 xxxxx 011111001 xx" => vsx::fp_ext, "xvrdpim";
    XVRDPIP    "111100 xxxxx 00000 xxxxx 011101001 xx" => vsx::fp_ext, "xvrdpip";
    XVRDPIZ    "111100 xxxxx 00000 xxxxx 011011001 xx" => vsx::fp_ext, "xvrdpiz";
    XSRDPIC    "111100 xxxxx 00000 xxxxx 001101011 xx" => vsx::fp_ext, "xsrdpic";
    XVCVDPSP   "111100 xxxxx 00000 xxxxx 110001001 xx" => vsx::fp_ext, "xvcvdpsp";
    XVCVSPDP   "111100 xxxxx 00000 xxxxx 111001001 xx" => vsx::fp_ext, "xvcvspdp";
    XVCVSXWDP  "111100 xxxxx 00000 xxxxx 011111000 xx" => vsx::fp_ext, "xvcvsxwdp";
    XVCVUXWDP  "111100 xxxxx 00000 xxxxx 011101000 xx" => vsx::fp_ext, "xvcvuxwdp";
    XVCVSXDDP  "111100 xxxxx 00000 xxxxx 111111000 xx" => vsx::fp_ext, "xvcvsxddp";
    XVCVUXDDP  "111100 xxxxx 00000 xxxxx 111101000 xx" => vsx::fp_ext, "xvcvuxddp";
    XVCVSXDSP  "111100 xxxxx 00000 xxxxx 110111000 xx" => vsx::fp_ext, "xvcvsxdsp";
    XVCVUXDSP  "111100 xxxxx 00000 xxxxx 110101000 xx" => vsx::fp_ext, "xvcvuxdsp";
    XVCVDPSXWS "111100 xxxxx 00000 xxxxx 011011000 xx" => vsx::fp_ext, "xvcvdpsxws";
    XVCVDPUXWS "111100 xxxxx 00000 xxxxx 011001000 xx" => vsx::fp_ext, "xvcvdpuxws";
    XVCVDPSXDS "111100 xxxxx 00000 xxxxx 111011000 xx" => vsx::fp_ext, "xvcvdpsxds";
    XVCVDPUXDS "111100 xxxxx 00000 xxxxx 111001000 xx" => vsx::fp_ext, "xvcvdpuxds";
    XVCVSPSXDS "111100 xxxxx 00000 xxxxx 110011000 xx" => vsx::fp_ext, "xvcvspsxds";
    XVCVSPUXDS "111100 xxxxx 00000 xxxxx 110001000 xx" => vsx::fp_ext, "xvcvspuxds";
    XSTSTDCDP  "111100 xxxxx xxxxx xxxxx 101101010 x0" => vsx::fp_ext, "xststdcdp";
    XSTSTDCSP  "111100 xxxxx xxxxx xxxxx 100101010 x0" => vsx::fp_ext, "xststdcsp";
    XVTSTDCDP  "111100 xxxxx xxxxx xxxxx 1111 x 101 xxx" => vsx::fp_ext, "xvtstdcdp";
    XVTSTDCSP  "111100 xxxxx xxxxx xxxxx 1101 x 101 xxx" => vsx::fp_ext, "xvtstdcsp";
    XVIEXPDP   "111100 xxxxx xxxxx xxxxx 11111000 xxx" => vsx::fp_ext, "xviexpdp";
    XVIEXPSP   "111100 xxxxx xxxxx xxxxx 11011000 xxx" => vsx::fp_ext, "xviexpsp";
    XVXEXPDP   "111100 xxxxx 00000 xxxxx 111011011 xx" => vsx::fp_ext, "xvxexpdp";
    XVXEXPSP   "111100 xxxxx 01000 xxxxx 111011011 xx" => vsx::fp_ext, "xvxexpsp";
    XVXSIGDP   "111100 xxxxx 00001 xxxxx 111011011 xx" => vsx::fp_ext, "xvxsigdp";
    XVXSIGSP   "111100 xxxxx 01001 xxxxx 111011011 xx" => vsx::fp_ext, "xvxsigsp";
    XVCVHPSP   "111100 xxxxx 11000 xxxxx 111011011 xx" => vsx::fp_ext, "xvcvhpsp";
    XVCVSPHP   "111100 xxxxx 11001 xxxxx 111011011 xx" => vsx::fp_ext, "xvcvsphp";
    XSADDQP    "111111 xxxxx xxxxx xxxxx 0000000100 x" => vsx::fp_ext, "xsaddqp xsaddqpo";
    XSSUBQP    "111111 xxxxx xxxxx xxxxx 1000000100 x" => vsx::fp_ext, "xssubqp xssubqpo";
    XSMULQP    "111111 xxxxx xxxxx xxxxx 0000100100 x" => vsx::fp_ext, "xsmulqp xsmulqpo";
    XSDIVQP    "111111 xxxxx xxxxx xxxxx 1000100100 x" => vsx::fp_ext, "xsdivqp xsdivqpo";
    XSSQRTQP   "111111 xxxxx 11011 xxxxx 1100100100 x" => vsx::fp_ext, "xssqrtqp xssqrtqpo";
    XSMADDQP   "111111 xxxxx xxxxx xxxxx 0110000100 x" => vsx::fp_ext, "xsmaddqp xsmaddqpo";
    XSMSUBQP   "111111 xxxxx xxxxx xxxxx 0110100100 x" => vsx::fp_ext, "xsmsubqp xsmsubqpo";
    XSNMADDQP  "111111 xxxxx xxxxx xxxxx 0111000100 x" => vsx::fp_ext, "xsnmaddqp xsnmaddqpo";
    XSNMSUBQP  "111111 xxxxx xxxxx xxxxx 0111100100 x" => vsx::fp_ext, "xsnmsubqp xsnmsubqpo";
    XSCMPUQP   "111111 xxx00 xxxxx xxxxx 1010000100 0" => vsx::fp_ext, "xscmpuqp";
    XSCMPOQP   "111111 xxx00 xxxxx xxxxx 0010000100 0" => vsx::fp_ext, "xscmpoqp";
    XSCMPEXPQP "111111 xxx00 xxxxx xxxxx 0010100100 0" => vsx::fp_ext, "xscmpexpqp";
    XSCMPEQQP  "111111 xxxxx xxxxx xxxxx 0001000100 0" => vsx::fp_ext, "xscmpeqqp";
    XSCMPGEQP  "111111 xxxxx xxxxx xxxxx 0011000100 0" => vsx::fp_ext, "xscmpgeqp";
    XSCMPGTQP  "111111 xxxxx xxxxx xxxxx 0011100100 0" => vsx::fp_ext, "xscmpgtqp";
    XSMAXCQP   "111111 xxxxx xxxxx xxxxx 1010100100 0" => vsx::fp_ext, "xsmaxcqp";
    XSMINCQP   "111111 xxxxx xxxxx xxxxx 1011100100 0" => vsx::fp_ext, "xsmincqp";
    XSCVQPDP   "111111 xxxxx 10100 xxxxx 1101000100 x" => vsx::fp_ext, "xscvqpdp xscvqpdpo";
    XSCVDPQP   "111111 xxxxx 10110 xxxxx 1101000100 0" => vsx::fp_ext, "xscvdpqp";
    XSCVQPSDZ  "111111 xxxxx 11001 xxxxx 1101000100 0" => vsx::fp_ext, "xscvqpsdz";
    XSCVQPSWZ  "111111 xxxxx 01001 xxxxx 1101000100 0" => vsx::fp_ext, "xscvqpswz";
    XSCVQPUDZ  "111111 xxxxx 10001 xxxxx 1101000100 0" => vsx::fp_ext, "xscvqpudz";
    XSCVQPUWZ  "111111 xxxxx 00001 xxxxx 1101000100 0" => vsx::fp_ext, "xscvqpuwz";
    XSCVSDQP   "111111 xxxxx 01010 xxxxx 1101000100 0" => vsx::fp_ext, "xscvsdqp";
    XSCVUDQP   "111111 xxxxx 00010 xxxxx 1101000100 0" => vsx::fp_ext, "xscvudqp";
    XSCVQPSQZ  "111111 xxxxx 01000 xxxxx 1101000100 0" => vsx::fp_ext, "xscvqpsqz";
    XSCVQPUQZ  "111111 xxxxx 00000 xxxxx 1101000100 0" => vsx::fp_ext, "xscvqpuqz";
    XSCVSQQP   "111111 xxxxx 01011 xxxxx 1101000100 0" => vsx::fp_ext, "xscvsqqp";
    XSCVUQQP   "111111 xxxxx 00011 xxxxx 1101000100 0" => vsx::fp_ext, "xscvuqqp";
    XSRQPI     "111111 xxxxx 0000x xxxxx xx 00000101 x" => vsx::fp_ext, "xsrqpi xsrqpix";
    XSRQPXP    "111111 xxxxx 0000x xxxxx xx 00100101 0" => vsx::fp_ext, "xsrqpxp";
    XSABSQP    "111111 xxxxx 00000 xxxxx 1100100100 0" => vsx::fp_ext, "xsabsqp";
    XSNABSQP   "111111 xxxxx 01000 xxxxx 1100100100 0" => vsx::fp_ext, "xsnabsqp";
    XSNEGQP    "111111 xxxxx 10000 xxxxx 1100100100 0" => vsx::fp_ext, "xsnegqp";
    XSXEXPQP   "111111 xxxxx 00010 xxxxx 1100100100 0" => vsx::fp_ext, "xsxexpqp";
    XSXSIGQP   "111111 xxxxx 10010 xxxxx 1100100100 0" => vsx::fp_ext, "xsxsigqp";
    XSCPSGNQP  "111111 xxxxx xxxxx xxxxx 0001100100 0" => vsx::fp_ext, "xscpsgnqp";
    XSIEXPQP   "111111 xxxxx xxxxx xxxxx 1101100100 0" => vsx::fp_ext, "xsiexpqp";
    XSTSTDCQP  "111111 xxxxx xxxxx xxxxx 1011000100 0" => vsx::fp_ext, "xststdcqp";
    XXMFACC    "011111 xxx00 00000 00000 0010110001 0" => vsx::mma, "xxmfacc dmxxmfacc";
    XXMTACC    "011111 xxx00 00001 00000 0010110001 0" => vsx::mma, "xxmtacc dmxxmtacc";
    XXSETACCZ  "011111 xxx00 00011 00000 0010110001 0" => vsx::mma, "xxsetaccz dmsetaccz";
    XVI4GER8   "111011 xxx00 xxxxx xxxxx 00100011 xx0" => vsx::mma, "xvi4ger8 dmxvi4ger8";
    XVI4GER8PP "111011 xxx00 xxxxx xxxxx 00100010 xx0" => vsx::mma, "xvi4ger8pp dmxvi4ger8pp";
    XVI8GER4   "111011 xxx00 xxxxx xxxxx 00000011 xx0" => vsx::mma, "xvi8ger4 dmxvi8ger4";
    XVI8GER4PP "111011 xxx00 xxxxx xxxxx 00000010 xx0" => vsx::mma, "xvi8ger4pp dmxvi8ger4pp";
    XVI8GER4SPP "111011 xxx00 xxxxx xxxxx 01100011 xx0" => vsx::mma, "xvi8ger4spp dmxvi8ger4spp";
    XVI16GER2  "111011 xxx00 xxxxx xxxxx 01001011 xx0" => vsx::mma, "xvi16ger2 dmxvi16ger2";
    XVI16GER2PP "111011 xxx00 xxxxx xxxxx 01101011 xx0" => vsx::mma, "xvi16ger2pp dmxvi16ger2pp";
    XVI16GER2S "111011 xxx00 xxxxx xxxxx 00101011 xx0" => vsx::mma, "xvi16ger2s dmxvi16ger2s";
    XVI16GER2SPP "111011 xxx00 xxxxx xxxxx 00101010 xx0" => vsx::mma, "xvi16ger2spp dmxvi16ger2spp";
    XVF16GER2  "111011 xxx00 xxxxx xxxxx 00010011 xx0" => vsx::mma, "xvf16ger2 dmxvf16ger2";
    XVF16GER2PP "111011 xxx00 xxxxx xxxxx 00010010 xx0" => vsx::mma, "xvf16ger2pp dmxvf16ger2pp";
    XVF16GER2PN "111011 xxx00 xxxxx xxxxx 10010010 xx0" => vsx::mma, "xvf16ger2pn dmxvf16ger2pn";
    XVF16GER2NP "111011 xxx00 xxxxx xxxxx 01010010 xx0" => vsx::mma, "xvf16ger2np dmxvf16ger2np";
    XVF16GER2NN "111011 xxx00 xxxxx xxxxx 11010010 xx0" => vsx::mma, "xvf16ger2nn dmxvf16ger2nn";
    XVBF16GER2 "111011 xxx00 xxxxx xxxxx 00110011 xx0" => vsx::mma, "xvbf16ger2 dmxvbf16ger2";
    XVBF16GER2PP "111011 xxx00 xxxxx xxxxx 00110010 xx0" => vsx::mma, "xvbf16ger2pp dmxvbf16ger2pp";
    XVBF16GER2PN "111011 xxx00 xxxxx xxxxx 10110010 xx0" => vsx::mma, "xvbf16ger2pn dmxvbf16ger2pn";
    XVBF16GER2NP "111011 xxx00 xxxxx xxxxx 01110010 xx0" => vsx::mma, "xvbf16ger2np dmxvbf16ger2np";
    XVBF16GER2NN "111011 xxx00 xxxxx xxxxx 11110010 xx0" => vsx::mma, "xvbf16ger2nn dmxvbf16ger2nn";
    XVF32GER   "111011 xxx00 xxxxx xxxxx 00011011 xx0" => vsx::mma, "xvf32ger dmxvf32ger";
    XVF32GERPP "111011 xxx00 xxxxx xxxxx 00011010 xx0" => vsx::mma, "xvf32gerpp dmxvf32gerpp";
    XVF32GERPN "111011 xxx00 xxxxx xxxxx 10011010 xx0" => vsx::mma, "xvf32gerpn dmxvf32gerpn";
    XVF32GERNP "111011 xxx00 xxxxx xxxxx 01011010 xx0" => vsx::mma, "xvf32gernp dmxvf32gernp";
    XVF32GERNN "111011 xxx00 xxxxx xxxxx 11011010 xx0" => vsx::mma, "xvf32gernn dmxvf32gernn";
    XVF64GER   "111011 xxx00 xxxxx xxxxx 00111011 xx0" => vsx::mma, "xvf64ger dmxvf64ger";
    XVF64GERPP "111011 xxx00 xxxxx xxxxx 00111010 xx0" => vsx::mma, "xvf64gerpp dmxvf64gerpp";
    XVF64GERPN "111011 xxx00 xxxxx xxxxx 10111010 xx0" => vsx::mma, "xvf64gerpn dmxvf64gerpn";
    XVF64GERNP "111011 xxx00 xxxxx xxxxx 01111010 xx0" => vsx::mma, "xvf64gernp dmxvf64gernp";
    XVF64GERNN "111011 xxx00 xxxxx xxxxx 11111010 xx0" => vsx::mma, "xvf64gernn dmxvf64gernn";
    XVCVBF16SPN "111100 xxxxx 10000 xxxxx 111011011 xx" => vsx::fp_ext, "xvcvbf16spn";
    XVCVSPBF16 "111100 xxxxx 10001 xxxxx 111011011 xx" => vsx::fp_ext, "xvcvspbf16";
    LXVKQ      "111100 xxxxx 11111 xxxxx 0101101000 x" => vsx::fp_ext, "lxvkq";
    VADDFP     "000100 xxxxx xxxxx xxxxx 00000001010" => vsx::fp_ext, "vaddfp";
    VSUBFP     "000100 xxxxx xxxxx xxxxx 00001001010" => vsx::fp_ext, "vsubfp";
    VMAXFP     "000100 xxxxx xxxxx xxxxx 10000001010" => vsx::fp_ext, "vmaxfp";
    VMINFP     "000100 xxxxx xxxxx xxxxx 10001001010" => vsx::fp_ext, "vminfp";
    VREFP      "000100 xxxxx 00000 xxxxx 00100001010" => vsx::fp_ext, "vrefp";
    VRSQRTEFP  "000100 xxxxx 00000 xxxxx 00101001010" => vsx::fp_ext, "vrsqrtefp";
    VEXPTEFP   "000100 xxxxx 00000 xxxxx 00110001010" => vsx::fp_ext, "vexptefp";
    VLOGEFP    "000100 xxxxx 00000 xxxxx 00111001010" => vsx::fp_ext, "vlogefp";
    VRFIN      "000100 xxxxx 00000 xxxxx 01000001010" => vsx::fp_ext, "vrfin";
    VRFIZ      "000100 xxxxx 00000 xxxxx 01001001010" => vsx::fp_ext, "vrfiz";
    VRFIP      "000100 xxxxx 00000 xxxxx 01010001010" => vsx::fp_ext, "vrfip";
    VRFIM      "000100 xxxxx 00000 xxxxx 01011001010" => vsx::fp_ext, "vrfim";
    VCFUX      "000100 xxxxx xxxxx xxxxx 01100001010" => vsx::fp_ext, "vcfux";
    VCFSX      "000100 xxxxx xxxxx xxxxx 01101001010" => vsx::fp_ext, "vcfsx";
    VCTUXS     "000100 xxxxx xxxxx xxxxx 01110001010" => vsx::fp_ext, "vctuxs";
    VCTSXS     "000100 xxxxx xxxxx xxxxx 01111001010" => vsx::fp_ext, "vctsxs";
    VMADDFP    "000100 xxxxx xxxxx xxxxx xxxxx 101110" => vsx::fp_ext, "vmaddfp";
    VNMSUBFP   "000100 xxxxx xxxxx xxxxx xxxxx 101111" => vsx::fp_ext, "vnmsubfp";
    VCMPEQFP   "000100 xxxxx xxxxx xxxxx x 0011000110" => vsx::fp_ext, "vcmpeqfp vcmpeqfp.";
    VCMPGEFP   "000100 xxxxx xxxxx xxxxx x 0111000110" => vsx::fp_ext, "vcmpgefp vcmpgefp.";
    VCMPGTFP   "000100 xxxxx xxxxx xxxxx x 1011000110" => vsx::fp_ext, "vcmpgtfp vcmpgtfp.";
    VCMPBFP    "000100 xxxxx xxxxx xxxxx x 1111000110" => vsx::fp_ext, "vcmpbfp vcmpbfp.";
}

/// Rows introduced by ISA 3.0 (POWER9).
pub const ISA_3_00_ROWS: &[&str] = &[
    "VEXTRACTUB",
    "VEXTRACTUH",
    "VEXTRACTUW",
    "VEXTRACTD",
    "XSCMPEQDP",
    "XSCMPGTDP",
    "XSCMPGEDP",
    "SCV",
    "MODSW",
    "MODUW",
    "MODSD",
    "MODUD",
    "SETB",
    "MCRXRX",
    "CNTTZW",
    "CNTTZD",
    "VEXTUBRX",
    "VEXTUBLX",
    "VCTZLSBB",
    "VCLZLSBB",
    "VCMPNEB",
    "VCMPNEZB",
    "VCMPNEH",
    "VCMPNEW",
    "VPERMR",
    "LXVX",
    "STXVX",
    "LXVB16X",
    "STXVB16X",
    "MFVSRLD",
    "MTVSRDD",
    "MTVSRWS",
    "LXV",
    "STXV",
    "LXSD",
    "LXSSP",
    "STXSD",
    "STXSSP",
    "XXPERM",
    "XXPERMR",
    "XXSPLTIB",
    "XXBRH",
    "XXBRW",
    "XXBRD",
    "XXBRQ",
    "LXVL",
    "LXVLL",
    "STXVL",
    "STXVLL",
    "LXVH8X",
    "STXVH8X",
    "LXVWSX",
    "LXSIBZX",
    "LXSIHZX",
    "STXSIBX",
    "STXSIHX",
    "MADDHD",
    "MADDHDU",
    "MADDLD",
    "ADDPCIS",
    "CMPRB",
    "CMPEQB",
    "DARN",
    "EXTSWSLI",
    "VCMPNEZH",
    "VCMPNEZW",
    "VNEGW",
    "VNEGD",
    "VPRTYBW",
    "VPRTYBD",
    "VPRTYBQ",
    "VEXTSB2W",
    "VEXTSH2W",
    "VEXTSB2D",
    "VEXTSH2D",
    "VEXTSW2D",
    "VCTZB",
    "VCTZH",
    "VCTZW",
    "VCTZD",
    "VEXTUHLX",
    "VEXTUWLX",
    "VEXTUHRX",
    "VEXTUWRX",
    "VRLWNM",
    "VRLDNM",
    "VRLWMI",
    "VRLDMI",
    "XXEXTRACTUW",
    "XXINSERTW",
    "XSXEXPDP",
    "XSXSIGDP",
    "XSCVHPDP",
    "XSCVDPHP",
    "XSCMPEXPDP",
    "XSIEXPDP",
    "XSMAXCDP",
    "XSMINCDP",
    "XSMAXJDP",
    "XSMINJDP",
    "XSTSTDCDP",
    "XSTSTDCSP",
    "XVTSTDCDP",
    "XVTSTDCSP",
    "XVIEXPDP",
    "XVIEXPSP",
    "XVXEXPDP",
    "XVXEXPSP",
    "XVXSIGDP",
    "XVXSIGSP",
    "XVCVHPSP",
    "XVCVSPHP",
    "XSADDQP",
    "XSSUBQP",
    "XSMULQP",
    "XSDIVQP",
    "XSSQRTQP",
    "XSMADDQP",
    "XSMSUBQP",
    "XSNMADDQP",
    "XSNMSUBQP",
    "XSCMPUQP",
    "XSCMPOQP",
    "XSCMPEXPQP",
    "XSCVQPDP",
    "XSCVDPQP",
    "XSCVQPSDZ",
    "XSCVQPSWZ",
    "XSCVQPUDZ",
    "XSCVQPUWZ",
    "XSCVSDQP",
    "XSCVUDQP",
    "XSRQPI",
    "XSRQPXP",
    "XSABSQP",
    "XSNABSQP",
    "XSNEGQP",
    "XSXEXPQP",
    "XSXSIGQP",
    "XSCPSGNQP",
    "XSIEXPQP",
    "XSTSTDCQP",
];

/// Rows introduced by ISA 3.1 (POWER10).
pub const ISA_3_1_ROWS: &[&str] = &[
    "VMULHUW",
    "VMULHSW",
    "VMULHUD",
    "VMULHSD",
    "VDIVUQ",
    "VMODUQ",
    "VMULLD",
    "SETBC",
    "SETBCR",
    "SETNBC",
    "SETNBCR",
    "BRH",
    "BRW",
    "BRD",
    "LXVP",
    "STXVP",
    "VEXTRACTBM",
    "VEXTRACTHM",
    "VEXTRACTWM",
    "VEXTRACTDM",
    "VEXTRACTQM",
    "XSCMPEQQP",
    "XSCMPGEQP",
    "XSCMPGTQP",
    "XSMAXCQP",
    "XSMINCQP",
    "XSCVQPSQZ",
    "XSCVQPUQZ",
    "XSCVSQQP",
    "XSCVUQQP",
    "XXMFACC",
    "XXMTACC",
    "XXSETACCZ",
    "XVI4GER8",
    "XVI4GER8PP",
    "XVI8GER4",
    "XVI8GER4PP",
    "XVI8GER4SPP",
    "XVI16GER2",
    "XVI16GER2PP",
    "XVI16GER2S",
    "XVI16GER2SPP",
    "XVF16GER2",
    "XVF16GER2PP",
    "XVF16GER2PN",
    "XVF16GER2NP",
    "XVF16GER2NN",
    "XVBF16GER2",
    "XVBF16GER2PP",
    "XVBF16GER2PN",
    "XVBF16GER2NP",
    "XVBF16GER2NN",
    "XVF32GER",
    "XVF32GERPP",
    "XVF32GERPN",
    "XVF32GERNP",
    "XVF32GERNN",
    "XVF64GER",
    "XVF64GERPP",
    "XVF64GERPN",
    "XVF64GERNP",
    "XVF64GERNN",
    "XVCVBF16SPN",
    "XVCVSPBF16",
    "LXVKQ",
];

/// `a < b` in byte order (`str`'s `Ord`), usable in constants.
const fn str_less(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut i = 0;
    while i < a.len() && i < b.len() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
        i += 1;
    }
    a.len() < b.len()
}

/// `names` sorted at compile time (an insertion sort), for binary search:
/// a first decode of each row looks its name up in both lists.
const fn sorted<const N: usize>(names: &[&'static str]) -> [&'static str; N] {
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        let mut j = i;
        while j > 0 && str_less(names[i], out[j - 1]) {
            out[j] = out[j - 1];
            j -= 1;
        }
        out[j] = names[i];
        i += 1;
    }
    out
}

const SORTED_3_00: [&str; ISA_3_00_ROWS.len()] = sorted(ISA_3_00_ROWS);
const SORTED_3_1: [&str; ISA_3_1_ROWS.len()] = sorted(ISA_3_1_ROWS);

/// The ISA level that introduced the row's instruction (rows not listed
/// are ISA 2.07 or older). Instructions of a level above the CPU model's
/// raise SIGILL.
pub fn isa_of_name(name: &str) -> Isa {
    let listed = |sorted: &[&str]| sorted.binary_search(&name).is_ok();
    if listed(&SORTED_3_1) {
        Isa::V310
    } else if listed(&SORTED_3_00) {
        Isa::V300
    } else {
        Isa::V207
    }
}

/// Rows whose ISA level [`isa_of`] caches (more than [`TABLE`] has).
const LEVEL_CACHE: usize = 4096;

/// The ISA level of `row` (a row of [`TABLE`]), looked up by name once per
/// row on its first decode and cached (a table of every row's level, built
/// on the first decode, cost a static hello world 5 % of its host
/// instructions: most rows are never decoded).
pub fn isa_of(row: &Row) -> Isa {
    use std::sync::atomic::{AtomicU8, Ordering};
    static LEVELS: [AtomicU8; LEVEL_CACHE] = [const { AtomicU8::new(0) }; LEVEL_CACHE];
    let idx = (row as *const Row as usize).wrapping_sub(TABLE.as_ptr() as usize)
        / std::mem::size_of::<Row>();
    let Some(slot) = LEVELS.get(idx).filter(|_| idx < TABLE.len()) else {
        return isa_of_name(row.name);
    };
    match slot.load(Ordering::Relaxed) {
        1 => Isa::V207,
        2 => Isa::V300,
        3 => Isa::V310,
        _ => {
            let isa = isa_of_name(row.name);
            let code = match isa {
                Isa::V207 => 1,
                Isa::V300 => 2,
                Isa::V310 => 3,
            };
            slot.store(code, Ordering::Relaxed);
            isa
        }
    }
}

/// The decoder: rows indexed by the primary opcode and bits ISA 26:30
/// (LSB 5..1), 2048 buckets. Keying on all of ISA 21:30 (65 536 buckets)
/// made building the index, once per process, cost more than a whole
/// static hello world translates (every D-form row landed in 1024
/// buckets); the low five bits of the extended opcode already leave at
/// most a few dozen rows per bucket (1.5 rows scanned per instruction of
/// glibc's start-up, against 1.0).
static DECODER: Decoder<TranslateFn> = Decoder::new(TABLE, &[(31, 26), (5, 1)]);

/// Finds the first row matching `insn`, or `None` (not implemented or
/// invalid).
pub fn decode(insn: Insn) -> Option<&'static Row> {
    DECODER.decode(insn.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primary_opcode_fixed_in_every_row() {
        for r in TABLE {
            assert_eq!(r.mask >> 26, 0x3f, "{}", r.name);
        }
    }

    #[test]
    fn sorted_name_lists_keep_every_name_in_order() {
        for (list, sorted) in [
            (ISA_3_00_ROWS, &SORTED_3_00[..]),
            (ISA_3_1_ROWS, &SORTED_3_1[..]),
        ] {
            let mut want = list.to_vec();
            want.sort();
            assert_eq!(sorted, &want[..]);
        }
        assert_eq!(isa_of_name("XVF64GER"), Isa::V310);
        assert_eq!(isa_of_name("ADDI"), Isa::V207);
    }

    #[test]
    fn isa_level_lists_name_rows() {
        for n in ISA_3_00_ROWS.iter().chain(ISA_3_1_ROWS) {
            assert!(TABLE.iter().any(|r| r.name == *n), "{n} is not a row");
        }
        let lxvp = TABLE.iter().find(|r| r.name == "LXVP").unwrap();
        assert_eq!(isa_of(lxvp), Isa::V310);
        assert_eq!(isa_of(&TABLE[0]), Isa::V207);
        assert!(TABLE.len() <= LEVEL_CACHE, "raise LEVEL_CACHE");
        // Cached levels agree with the name lists, on first and later use.
        for _ in 0..2 {
            for r in TABLE.iter() {
                assert_eq!(isa_of(r), isa_of_name(r.name), "{}", r.name);
            }
        }
    }

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
    fn rows_do_not_shadow_each_other() {
        // A row entirely covered by an earlier row could never match.
        for (j, r) in TABLE.iter().enumerate() {
            for e in &TABLE[..j] {
                let covers = e.mask & r.mask == e.mask && r.bits & e.mask == e.bits;
                assert!(!covers, "{} shadows {}", e.name, r.name);
            }
        }
    }

    #[test]
    fn decodes_known_words() {
        // From powerpc64le-linux-gnu-objdump -d of a static hello world.
        let cases: &[(u32, &str)] = &[
            (0x3c40_100e, "ADDIS"),    // lis r2,4110
            (0x3842_7b00, "ADDI"),     // addi r2,r2,31488
            (0x7c29_0b78, "OR"),       // mr r9,r1
            (0x7821_06e4, "RLDICR"),   // rldicr r1,r1,0,59
            (0xf821_ff81, "STDU"),     // stdu r1,-128(r1)
            (0x7c08_03a6, "MTSPR"),    // mtlr r0
            (0x4e80_0020, "BCLR"),     // blr
            (0x7d70_8026, "MFOCRF"),   // mfocrf r11,8
            (0x7d70_8120, "MTOCRF"),   // mtocrf 8,r11
            (0x7c00_42a6, "MFSPR"),    // mfvrsave r0
            (0x7d00_f829, "LWARX"),    // lwarx r8,0,r31,1
            (0x7c05_0166, "MTVSRD"),   // mtfprd f0,r5
            (0x6000_0000, "ORI"),      // nop
            (0x4400_0002, "SC"),       // sc
            (0x7c00_04ac, "SYNC"),     // hwsync
            (0x7c20_04ac, "SYNC"),     // lwsync
            (0x4c00_012c, "ISYNC"),    // isync
            (0xf000_0250, "XXPERMDI"), // xxswapd vs0,vs0
        ];
        for &(w, name) in cases {
            assert_eq!(decode(Insn(w)).map(|r| r.name), Some(name), "{w:#010x}");
        }
        assert!(decode(Insn(0)).is_none());
    }

    #[test]
    fn field_accessors() {
        // rldicr r1,r1,0,59 = 0x782106e4: me = 59.
        let i = Insn(0x7821_06e4);
        assert_eq!((i.rt(), i.ra(), i.sh6(), i.mb_md()), (1, 1, 0, 59));
        // mtlr r0 = mtspr 8, r0.
        assert_eq!(Insn(0x7c08_03a6).spr(), 8);
        // stdu r1,-128(r1)
        assert_eq!(Insn(0xf821_ff81).ds(), -128);
    }
}
