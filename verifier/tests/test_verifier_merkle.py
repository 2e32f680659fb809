"""RFC 6962 known answers (the Certificate Transparency reference tree) and proof properties."""

from __future__ import annotations

import hashlib
import random

import pytest

from bundle_verifier.merkle import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

# The eight leaves of the CT reference implementation's merkle_tree_test.cc.
ENTRIES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
LEAVES = [leaf_hash(e) for e in ENTRIES]
EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
ROOTS = {
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}
# (leaf index, tree size, audit path)
INCLUSION = [
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
# (old size, new size, consistency proof)
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]


def hexes(hashes: list[bytes]) -> list[str]:
    return [h.hex() for h in hashes]


def test_leaf_and_node_hashes_are_domain_separated() -> None:
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    left, right = b"a" * 32, b"b" * 32
    assert node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()


def test_roots_for_every_size_match_the_reference_tree() -> None:
    assert root_hash([]).hex() == EMPTY
    for size, expected in ROOTS.items():
        assert root_hash(LEAVES[:size]).hex() == expected, size


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_proofs_match_the_reference_and_verify(
    index: int, size: int, path: list[str]
) -> None:
    proof = inclusion_proof(index, LEAVES[:size])
    assert hexes(proof) == path
    root = bytes.fromhex(ROOTS[size])
    assert verify_inclusion(LEAVES[index], index, size, proof, root)


@pytest.mark.parametrize(("old", "new", "path"), CONSISTENCY)
def test_consistency_proofs_match_the_reference_and_verify(
    old: int, new: int, path: list[str]
) -> None:
    proof = consistency_proof(old, LEAVES[:new])
    assert hexes(proof) == path
    old_root, new_root = bytes.fromhex(ROOTS[old]), bytes.fromhex(ROOTS[new])
    assert verify_consistency(old, new, old_root, new_root, proof)


def test_out_of_range_requests_are_refused() -> None:
    with pytest.raises(ValueError, match="outside a tree of 8"):
        inclusion_proof(8, LEAVES)
    with pytest.raises(ValueError, match="outside a tree of 8"):
        consistency_proof(9, LEAVES)
    root = root_hash(LEAVES)
    assert not verify_inclusion(LEAVES[0], 8, 8, inclusion_proof(0, LEAVES), root)
    assert not verify_inclusion(LEAVES[0], -1, 8, inclusion_proof(0, LEAVES), root)
    assert not verify_consistency(8, 6, root, root_hash(LEAVES[:6]), [])
    assert verify_consistency(0, 8, root_hash([]), root, [])
    assert not verify_consistency(0, 8, root_hash(LEAVES[:1]), root, [])
    assert not verify_inclusion(LEAVES[0][:31], 0, 1, [], LEAVES[0][:31])


def altered(hash_: bytes, byte: int = 0) -> bytes:
    return hash_[:byte] + bytes([hash_[byte] ^ 0x01]) + hash_[byte + 1 :]


def random_leaves(rng: random.Random, count: int) -> list[bytes]:
    return [leaf_hash(rng.randbytes(rng.randint(0, 24))) for _ in range(count)]


def test_every_generated_inclusion_proof_verifies_and_every_alteration_fails() -> None:
    rng = random.Random(6962)
    leaves = random_leaves(rng, 40)
    for size in range(1, len(leaves) + 1):
        tree, root = leaves[:size], root_hash(leaves[:size])
        for index in range(size):
            proof = inclusion_proof(index, tree)
            assert verify_inclusion(tree[index], index, size, proof, root)
            assert not verify_inclusion(altered(tree[index]), index, size, proof, root)
            assert not verify_inclusion(tree[index], index, size, proof, altered(root, 31))
            assert not verify_inclusion(tree[index], index, size, [*proof, root], root)
            if size > 1:
                other = (index + 1) % size
                assert not verify_inclusion(tree[index], other, size, proof, root)
            for position in range(len(proof)):
                broken = [*proof]
                broken[position] = altered(broken[position], position % 32)
                assert not verify_inclusion(tree[index], index, size, broken, root)
            if proof:
                assert not verify_inclusion(tree[index], index, size, proof[:-1], root)


def test_every_generated_consistency_proof_verifies_and_every_alteration_fails() -> None:
    rng = random.Random(9162)
    leaves = random_leaves(rng, 33)
    roots = [root_hash(leaves[:n]) for n in range(len(leaves) + 1)]
    for new in range(1, len(leaves) + 1):
        for old in range(1, new + 1):
            proof = consistency_proof(old, leaves[:new])
            assert verify_consistency(old, new, roots[old], roots[new], proof)
            if old == new:
                assert not verify_consistency(old, new, roots[old], altered(roots[new]), proof)
                continue
            assert not verify_consistency(old, new, altered(roots[old]), roots[new], proof)
            assert not verify_consistency(old, new, roots[old], altered(roots[new], 7), proof)
            assert not verify_consistency(old, new, roots[old], roots[new], proof[:-1])
            assert not verify_consistency(old, new, roots[old], roots[new], [*proof, roots[0]])
            if old + 1 < new:
                assert not verify_consistency(old + 1, new, roots[old], roots[new], proof)
            for position in range(len(proof)):
                broken = [*proof]
                broken[position] = altered(broken[position], 3)
                assert not verify_consistency(old, new, roots[old], roots[new], broken)


def test_a_rewritten_leaf_breaks_consistency_with_the_old_root() -> None:
    leaves = LEAVES[:6]
    rewritten = [*leaves[:2], leaf_hash(b"rewritten"), *leaves[3:], LEAVES[6], LEAVES[7]]
    proof = consistency_proof(6, rewritten)
    assert not verify_consistency(6, 8, root_hash(leaves), root_hash(rewritten), proof)
