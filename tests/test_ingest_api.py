"""The public names of northline.ingest are pinned: change this test when the API changes."""

import northline.ingest


def test_exported_names() -> None:
    assert set(northline.ingest.__all__) == {
        "AisDecoder",
        "CE_UNKNOWN_AT_LEAST",
        "FILE_SOURCE",
        "MAX_MESSAGE_BYTES",
        "REPLAYABLE",
        "SBS_FIELDS",
        "UNKNOWN_CE_SIGMA_M",
        "CotDecoder",
        "CotFramer",
        "CsvMapping",
        "DecodeResult",
        "ReasonCode",
        "SbsDecoder",
        "TakProtoDecoder",
        "TakStreamFramer",
        "decode_aircraft_json",
        "decode_ais",
        "decode_cot",
        "decode_cot_stream",
        "decode_csv",
        "decode_geojson",
        "iter_cot_file",
        "redecode",
        "sbs_line",
    }
    assert len(northline.ingest.__all__) == len(set(northline.ingest.__all__))
    for name in northline.ingest.__all__:
        assert hasattr(northline.ingest, name)


def test_reason_codes_are_stable() -> None:
    assert sorted(c.value for c in northline.ingest.ReasonCode) == [
        "bad_checksum",
        "bad_encoding",
        "bad_field_count",
        "bad_marking",
        "bad_sensor_kind",
        "bad_time",
        "decoder_error",
        "dtd_forbidden",
        "entities_forbidden",
        "external_reference",
        "incomplete",
        "missing_attribute",
        "missing_point",
        "not_a_number",
        "out_of_range",
        "oversize",
        "truncated",
        "unsupported_message",
        "unsupported_type",
        "wrong_root",
        "xml_syntax",
    ]
